/* 城管通: the collectors' phone page (issue #15), over the field API (docs/field-api.md).
 *
 * Every submission (a task's result, a report, a 自处置) gets its idempotency key when it is
 * made (request_id / client_id) and goes into a queue in localStorage first; the queue is sent
 * in order when the network is there (the "online" event, and retries with backoff).  The
 * server takes a key once, so a reply lost on the way only makes the phone ask again and get
 * the same answer: nothing is sent twice.  A refusal (403, 404, 409, 422) takes the item out of
 * the queue with the server's message shown; a lapsed session (401) keeps it for the next
 * sign-in.  The token lives in sessionStorage (gone with the tab), the queue in localStorage
 * (it survives a closed browser), keyed by the collector.
 *
 * A native shell (a WebView with a Chinese map SDK) may define window.citydeskPosition(): a
 * function returning a promise of {lon, lat, crs, accuracy} with crs "gcj02" or "bd09"; the
 * server converts it to WGS-84.  Without it the browser's navigator.geolocation (WGS-84).
 */
'use strict';
(function () {
  const API = '/api/v1';
  const MAX_EDGE = 1600;          // photos are shrunk to this edge before they are queued
  const POLL_WAIT = 25;           // seconds of long poll while there are no tasks
  const REFRESH = 15000;          // ms between task refreshes while there are tasks
  const MAX_BACKOFF = 60000;      // ms
  const SEND_TIMEOUT = 120000;    // ms: a stalled upload is given up and sent again (same key)
  const $ = (id) => document.getElementById(id);
  const { t, serverText } = window.citydeskI18n;

  const state = {
    token: sessionStorage.getItem('citydesk.token'),
    me: JSON.parse(sessionStorage.getItem('citydesk.me') || 'null'),
    tasks: [], categories: [], skew: 0, current: null, outcome: null, mode: 'report',
    poll: null, flushing: false, retryTimer: null, tries: 0,
    position: { t: null, r: null },
  };

  // ---- small helpers -----------------------------------------------------------------------
  function el(tag, props, children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const child of children || []) {
      node.append(child);
    }
    return node;
  }

  function newKey(prefix) {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes); // crypto.randomUUID needs HTTPS; this works on plain HTTP too
    return prefix + '-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function notice(text, bad, key) {
    // One line per submission (its key): "已保存" becomes "已发送" or "未被接受" in place.
    let item = key ? document.querySelector(`#notices li[data-key="${key}"]`) : null;
    if (!item) {
      item = el('li');
      item.dataset.key = key || '';
      item.addEventListener('click', () => item.remove());
      $('notices').prepend(item);
    }
    item.textContent = text;
    item.className = bad ? 'bad' : '';
    clearTimeout(item.expiry);
    if (!bad) {
      item.expiry = setTimeout(() => item.remove(), 12000);  // a refusal stays until tapped
    }
    while ($('notices').children.length > 3) {
      $('notices').lastChild.remove();
    }
  }

  function timeout(ms, outer) {
    // A request on a flaky network may stall without failing: abort it after ``ms`` (or with
    // ``outer``, the task poll's own controller).
    const control = new AbortController();
    const timer = setTimeout(() => control.abort(), ms);
    if (outer) {
      outer.signal.addEventListener('abort', () => control.abort());
    }
    control.signal.addEventListener('abort', () => clearTimeout(timer));
    return control.signal;
  }

  function serverNow() {
    return Date.now() + state.skew;
  }

  function countdown(deadline) {
    if (!deadline) {
      return { text: t('无时限'), cls: '' };
    }
    const left = Date.parse(deadline) - serverNow();
    const abs = Math.abs(left);
    const h = Math.floor(abs / 3600000);
    const m = Math.floor((abs % 3600000) / 60000);
    const s = Math.floor((abs % 60000) / 1000);
    const hms = `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
    if (left < 0) {
      return { text: t('超 {hms}', { hms }), cls: 'countdown over' };
    }
    return { text: t('剩 {hms}', { hms }), cls: left < 1800000 ? 'countdown soon' : 'countdown' };
  }

  function localTime(iso) {
    if (!iso) {
      return '';
    }
    // The server sends the centre's zone (+08:00): show that wall time, not the phone's zone.
    const match = /^\d{4}-(\d\d)-(\d\d)T(\d\d:\d\d)/.exec(iso);
    return match ? t('{month}月{day}日 {time}', { month: Number(match[1]), day: Number(match[2]), time: match[3] }) : iso;
  }

  // ---- the API -----------------------------------------------------------------------------
  class HttpError extends Error {
    constructor(status, body) {
      super(serverText(body && body.message) || `HTTP ${status}`);
      this.status = status;
      this.body = body;
    }
  }

  async function api(path, options) {
    const opts = Object.assign({ headers: {} }, options || {});
    if (state.token) {
      opts.headers.Authorization = `Bearer ${state.token}`;
    }
    const reply = await fetch(API + path, opts);
    const date = reply.headers.get('Date');
    if (date) {
      state.skew = Date.parse(date) + 500 - Date.now();  // the Date header is whole seconds
    }
    let body = null;
    try {
      body = await reply.json();
    } catch (e) {
      body = null;
    }
    if (reply.status === 401 && state.token) {
      signedOut(t('登录已过期，请重新登录（未发送的内容已保留）'));
    }
    if (!reply.ok) {
      throw new HttpError(reply.status, body);
    }
    return { status: reply.status, body };
  }

  // ---- views -------------------------------------------------------------------------------
  function show(view) {
    for (const name of ['signin', 'tasks', 'task', 'report']) {
      $(`view-${name}`).hidden = name !== view;
    }
    const signedIn = view !== 'signin';
    $('tabs').hidden = !signedIn;
    $('signout').hidden = !signedIn;
    for (const tab of document.querySelectorAll('#tabs button')) {
      const current = tab.dataset.view === view || (view === 'task' && tab.dataset.view === 'tasks');
      tab.setAttribute('aria-current', current ? 'page' : 'false');
    }
    if (view === 'report') {
      locate('r');
    }
    window.scrollTo(0, 0);
  }

  function signedOut(message) {
    state.token = null;
    sessionStorage.removeItem('citydesk.token');
    if (state.poll) {
      state.poll.abort();
      state.poll = null;
    }
    $('me').textContent = '';
    $('signin-error').textContent = message || '';
    if (state.me) {
      $('username').value = state.me.username;
    }
    show('signin');
  }

  async function signIn(event) {
    event.preventDefault();
    $('signin-error').textContent = '';
    const form = new URLSearchParams({
      username: $('username').value.trim(), password: $('password').value,
      kind: 'field', client: 'm',
    });
    try {
      const { body } = await api('/token', { method: 'POST', body: form });
      state.token = body.access_token;
      sessionStorage.setItem('citydesk.token', state.token);
      const me = (await api('/whoami')).body;
      if (me.role !== '监督员') {
        await api('/logout', { method: 'POST' }).catch(() => null);
        signedOut(t('此页面供监督员使用'));
        return;
      }
      state.me = me;
      sessionStorage.setItem('citydesk.me', JSON.stringify(me));
      $('password').value = '';
      started();
    } catch (err) {
      $('signin-error').textContent = err instanceof HttpError ? err.message : t('无法连接服务器');
    }
  }

  async function signOutPressed() {
    await api('/logout', { method: 'POST' }).catch(() => null);
    signedOut('');
  }

  function started() {
    $('me').textContent = state.me.name || state.me.username;
    fillGrids();
    loadCategories();
    show('tasks');
    pollTasks();
    queueChanged();
    flush();
  }

  // ---- tasks -------------------------------------------------------------------------------
  async function pollTasks() {
    if (state.poll) {
      return;
    }
    const control = new AbortController();
    state.poll = control;
    while (state.token && state.poll === control) {
      const wait = state.tasks.length ? 0 : POLL_WAIT;
      try {
        const { body } = await api(`/tasks?wait=${wait}`,
          { signal: timeout((wait + 30) * 1000, control) });
        state.tasks = body;
        $('tasks-status').textContent = '';
        renderTasks();
        if (body.length) {
          await sleep(REFRESH, control);
        }
      } catch (err) {
        if (control.signal.aborted) {
          return;
        }
        $('tasks-status').textContent = err instanceof HttpError ? err.message : t('网络中断，稍后自动刷新');
        await sleep(5000, control);
      }
    }
  }

  function sleep(ms, control) {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      control.signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); });
    });
  }

  function refreshTasks() {
    if (state.poll) {
      state.poll.abort();
      state.poll = null;
    }
    pollTasks();
  }

  function queuedCases() {
    return new Set(queue().filter((item) => item.kind === 'result').map((item) => item.caseId));
  }

  function renderTasks() {
    const list = $('task-list');
    const waiting = queuedCases();
    list.replaceChildren();
    for (const task of state.tasks) {
      const kind = t(task.kind === 'verify' ? '核实' : '核查');
      const clock = el('span', { className: 'countdown' });
      clock.dataset.deadline = task.deadline || '';
      const card = el('button', { type: 'button', className: 'task' }, [
        el('div', { className: 'head' }, [
          el('span', { className: `kind ${task.kind}`, textContent: kind }), clock]),
        el('div', { className: 'title', textContent: categoryName(task.category) }),
        el('div', { className: 'where', textContent: task.address || task.description }),
        el('div', { className: 'where', textContent: `${task.case_no} · ${t('截止 {time}', { time: localTime(task.deadline) })}` }),
      ]);
      card.dataset.case = task.case_id;
      if (waiting.has(task.case_id)) {
        card.append(el('div', { className: 'queued', textContent: t('已答复，等待发送') }));
        card.disabled = true;
      }
      card.addEventListener('click', () => openTask(task));
      list.append(el('li', {}, [card]));
    }
    $('task-count').textContent = t('（{n}）', { n: state.tasks.length });
    if (!state.tasks.length) {
      list.append(el('li', { className: 'muted', textContent: t('暂无任务；新任务到达时自动显示。') }));
    }
    tick();
  }

  function tick() {
    for (const node of document.querySelectorAll('[data-deadline]')) {
      const c = countdown(node.dataset.deadline);
      node.textContent = c.text;
      node.className = c.cls;
    }
  }

  function openTask(task) {
    state.current = task;
    state.outcome = null;
    const verify = task.kind === 'verify';
    $('t-title').textContent = `${t(verify ? '核实' : '核查')} · ${categoryName(task.category)}`;
    $('t-countdown').dataset.deadline = task.deadline || '';
    const rows = [[t('案件号'), task.case_no], [t('截止'), localTime(task.deadline)],
      [t('描述'), task.description], [t('地址'), task.address || '—'], [t('网格'), task.grid]];
    if (!verify) {
      rows.push([t('处置说明'), task.notes || '—']);
    }
    $('t-fields').replaceChildren(...rows.flatMap(([k, v]) => [
      el('dt', { textContent: k }), el('dd', { textContent: v })]));
    $('t-question').textContent = t(verify ? '问题是否属实？' : '是否已处置到位？');
    const choices = verify ? [['found', '属实'], ['not_found', '不属实']]
      : [['pass', '核查通过'], ['fail', '不通过（返工）']];
    $('t-outcomes').replaceChildren(...choices.map(([value, label]) => {
      const b = el('button', { type: 'button', textContent: t(label),
        className: value === 'not_found' || value === 'fail' ? 'fail' : '' });
      b.dataset.outcome = value;
      b.setAttribute('aria-pressed', 'false');
      b.addEventListener('click', () => pickOutcome(value));
      return b;
    }));
    $('t-notes-label').textContent = t(verify ? '说明（选填）' : '核查意见（不通过时必填）');
    $('t-notes').value = '';
    clearPhotos('t-photo');
    $('t-previews').replaceChildren();
    $('t-error').textContent = '';
    $('t-photos').replaceChildren();
    for (const url of task.photos) {
      loadPhoto(url, $('t-photos'));
    }
    show('task');
    locate('t');
    tick();
  }

  function pickOutcome(value) {
    state.outcome = value;
    for (const b of $('t-outcomes').children) {
      b.setAttribute('aria-pressed', String(b.dataset.outcome === value));
    }
  }

  async function loadPhoto(url, box) {
    const img = el('img', { alt: t('案件照片') });
    box.append(img);
    try {
      // <img src> cannot send the bearer token: fetch the bytes and show them from a blob URL.
      const reply = await fetch(`${url}?thumbnail=true`, { headers: { Authorization: `Bearer ${state.token}` } });
      if (!reply.ok) {
        throw new Error(String(reply.status));
      }
      img.src = URL.createObjectURL(await reply.blob());
      img.addEventListener('click', () => viewPhoto(url));
    } catch (e) {
      img.alt = t('照片无法加载');
    }
  }

  async function viewPhoto(url) {
    const reply = await fetch(url, { headers: { Authorization: `Bearer ${state.token}` } });
    if (reply.ok) {
      $('viewer-img').src = URL.createObjectURL(await reply.blob());
      $('viewer').hidden = false;
    }
  }

  async function submitAnswer(event) {
    event.preventDefault();
    const task = state.current;
    if (!state.outcome) {
      $('t-error').textContent = t('请先选择结果');
      return;
    }
    const notes = $('t-notes').value.trim();
    if (state.outcome === 'fail' && !notes) {
      $('t-error').textContent = t('核查不通过须写明意见');
      return;
    }
    const body = { outcome: state.outcome, notes, request_id: newKey('m') };
    Object.assign(body, placed('t'));
    const files = await photoParts($('t-photo'), 'photo');
    const label = `${t(task.kind === 'verify' ? '核实' : '核查')} ${task.case_no}`;
    if (enqueue({ kind: 'result', caseId: task.case_id, label,
      path: `/tasks/${task.case_id}/result`, body, files })) {
      show('tasks');
      renderTasks();
    }
  }

  // ---- position ----------------------------------------------------------------------------
  function placed(which) {
    const p = state.position[which];
    return p ? { lon: p.lon, lat: p.lat, crs: p.crs } : {};
  }

  async function locate(which) {
    const line = $(`${which}-position`);
    state.position[which] = null;
    line.textContent = t('位置：获取中…');
    try {
      const p = await (typeof window.citydeskPosition === 'function'
        ? window.citydeskPosition() : browserPosition());
      const round = (x) => Math.round(Number(x) * 1e7) / 1e7;
      state.position[which] = { lon: round(p.lon), lat: round(p.lat), crs: p.crs || 'wgs84' };
      const acc = p.accuracy ? t('（±{m} 米）', { m: Math.round(p.accuracy) }) : '';
      line.textContent = t('位置：{lon}, {lat}{acc}', { lon: state.position[which].lon.toFixed(6),
        lat: state.position[which].lat.toFixed(6), acc });
    } catch (err) {
      line.textContent = t('位置：未获取（{why}）', { why: err.message || err });
    }
  }

  function browserPosition() {
    return new Promise((resolve, reject) => {
      if (!navigator.geolocation) {
        reject(new Error(t('浏览器不支持定位')));
        return;
      }
      navigator.geolocation.getCurrentPosition(
        (pos) => resolve({ lon: pos.coords.longitude, lat: pos.coords.latitude,
          accuracy: pos.coords.accuracy, crs: 'wgs84' }),
        (err) => reject(new Error(t(err.code === 1 ? '未允许定位' : '定位失败'))),
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  // ---- photos ------------------------------------------------------------------------------
  async function photoParts(input, part) {
    const parts = [];
    for (const file of input.files) {
      parts.push(Object.assign({ part }, await shrink(file)));
    }
    return parts;
  }

  async function shrink(file) {
    try {
      // A phone's 4000-px photo is 3-6 MB: too big for localStorage's few MB; 1600 px is plenty.
      const bmp = await createImageBitmap(file, { imageOrientation: 'from-image' });
      const scale = Math.min(1, MAX_EDGE / Math.max(bmp.width, bmp.height));
      const canvas = el('canvas', { width: Math.round(bmp.width * scale), height: Math.round(bmp.height * scale) });
      canvas.getContext('2d').drawImage(bmp, 0, 0, canvas.width, canvas.height);
      const name = (file.name || 'photo').replace(/\.[^.]*$/, '') + '.jpg';
      return { name, data: canvas.toDataURL('image/jpeg', 0.85) };
    } catch (e) {
      // Not an image the browser decodes: send it as it is and let the server say what is wrong.
      const data = await new Promise((resolve) => {
        const reader = new FileReader();
        reader.onload = () => resolve(reader.result);
        reader.readAsDataURL(file);
      });
      return { name: file.name || 'photo', data };
    }
  }

  function previews(input, box) {
    box.replaceChildren(...Array.from(input.files, (file) => el('img', {
      alt: file.name, src: URL.createObjectURL(file) })));
    $(`${input.id}-chosen`).textContent = input.files.length ? t('已选 {n} 张', { n: input.files.length }) : t('未选照片');
  }

  function clearPhotos(...ids) {
    for (const id of ids) {
      $(id).value = '';
      $(`${id}-chosen`).textContent = t('未选照片');
    }
  }

  function blobOf(dataUrl) {
    // fetch(dataUrl) would be refused by connect-src 'self': decode it here.
    const [head, b64] = dataUrl.split(',');
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return new Blob([bytes], { type: head.slice(5).split(';')[0] || 'application/octet-stream' });
  }

  // ---- reports and 自处置 -------------------------------------------------------------------
  async function loadCategories() {
    try {
      state.categories = (await api('/categories')).body;
      localStorage.setItem('citydesk.categories', JSON.stringify(state.categories));
    } catch (e) {
      state.categories = JSON.parse(localStorage.getItem('citydesk.categories') || '[]');
    }
    fillCategories();
  }

  function fillCategories() {
    const words = $('r-filter').value.trim().toLowerCase();
    const select = $('r-category');
    const kept = select.value;
    const groups = {};
    for (const c of state.categories) {
      const hay = [c.code, c.name, c.name_en, c.initials, ...c.aliases].join(' ').toLowerCase();
      if (!words || hay.includes(words)) {
        (groups[t(c.kind_name)] = groups[t(c.kind_name)] || []).push(c);
      }
    }
    const children = [el('option', { value: '', textContent: t('请选择类别') })];
    for (const [name, items] of Object.entries(groups)) {
      children.push(el('optgroup', { label: name }, items.map((c) => el('option', {
        value: c.code, textContent: `${categoryName(c)}（${c.code}）` }))));
    }
    select.replaceChildren(...children);
    const codes = Object.values(groups).flat().map((c) => c.code);
    select.value = codes.includes(kept) ? kept : codes.length === 1 ? codes[0] : '';
  }

  function fillGrids() {
    $('r-grid').replaceChildren(...(state.me.grids || []).map((g) => el('option', {
      value: g, textContent: g })));
  }

  function setMode(mode) {
    state.mode = mode;
    for (const b of $('r-mode').children) {
      b.setAttribute('aria-pressed', String(b.dataset.mode === mode));
    }
    const self = mode === 'self';
    $('r-after-box').hidden = !self;
    $('r-after-previews').hidden = !self;
    $('r-photo-label').textContent = t(self ? '处置前照片（至少一张）' : '现场照片');
    $('r-submit').textContent = t(self ? '提交自处置' : '提交上报');
    $('r-hint').textContent = self ? t('现场已处置的小问题：附处置前、处置后照片，由受理员审核。') : '';
  }

  async function submitReport(event) {
    event.preventDefault();
    const self = state.mode === 'self';
    const category = $('r-category').value;
    const description = $('r-description').value.trim();
    if (!category || !description) {
      $('r-error').textContent = t('请选择类别并填写问题描述');
      return;
    }
    const files = await photoParts($('r-photo'), self ? 'before' : 'photo');
    if (self) {
      files.push(...await photoParts($('r-after'), 'after'));
      if (!files.some((f) => f.part === 'before') || !files.some((f) => f.part === 'after')) {
        $('r-error').textContent = t('自处置须附处置前和处置后照片');
        return;
      }
    }
    const body = { category, description, address: $('r-address').value.trim(), client_id: newKey('m') };
    Object.assign(body, placed('r'));
    if (body.lon === undefined && $('r-grid').value) {
      body.grid = $('r-grid').value;
    }
    const name = state.categories.find((c) => c.code === category);
    const label = `${t(self ? '自处置' : '上报')} ${name ? categoryName(name) : category}`;
    if (enqueue({ kind: self ? 'self' : 'report', label, body, files,
      path: self ? '/self-handled' : '/reports' })) {
      $('report-form').reset();
      clearPhotos('r-photo', 'r-after');
      $('r-previews').replaceChildren();
      $('r-after-previews').replaceChildren();
      $('r-error').textContent = '';
      fillCategories();
      locate('r');
    }
  }

  // ---- the queue ---------------------------------------------------------------------------
  function queueKey() {
    return `citydesk.queue.${state.me ? state.me.username : ''}`;
  }

  function queue() {
    try {
      return JSON.parse(localStorage.getItem(queueKey()) || '[]');
    } catch (e) {
      return [];
    }
  }

  function saveQueue(items) {
    localStorage.setItem(queueKey(), JSON.stringify(items));
    queueChanged();
  }

  function enqueue(item) {
    item.id = item.body.request_id || item.body.client_id;
    item.made = new Date().toISOString();
    const items = queue();
    items.push(item);
    try {
      saveQueue(items);
    } catch (e) {
      notice(t('手机存储已满：照片太多或太大，请减少照片后重试（未保存）'), true);
      return false;
    }
    notice(t('已保存：{label}，{how}', { label: item.label,
      how: t(navigator.onLine ? '正在发送' : '联网后自动发送') }), false, item.id);
    flush();
    return true;
  }

  function queueChanged() {
    const n = queue().length;
    const offline = !navigator.onLine;
    $('net').hidden = n === 0 && !offline;
    $('net-text').textContent = (offline ? t('离线') : '') + (offline && n ? t('，') : '') +
      (n ? t('待发送 {n} 项', { n }) : '');
    $('retry').hidden = n === 0;
  }

  function formOf(item) {
    const form = new FormData();
    form.append('body', JSON.stringify(item.body));
    for (const f of item.files) {
      form.append(f.part, blobOf(f.data), f.name);
    }
    return form;
  }

  async function flush() {
    if (state.flushing || !state.token || !state.me) {
      return;
    }
    state.flushing = true;
    clearTimeout(state.retryTimer);
    let retry = false;
    try {
      while (navigator.onLine && state.token) {
        const [item] = queue();
        if (!item) {
          break;
        }
        let outcome;
        try {
          const { body } = await api(item.path, { method: 'POST', body: formOf(item),
            signal: timeout(SEND_TIMEOUT) });
          outcome = { ok: true, body };
        } catch (err) {
          if (!(err instanceof HttpError) || err.status === 401 || err.status >= 500 ||
              err.status === 408 || err.status === 429) {
            retry = err.status !== 401;  // 401: kept for the next sign-in
            break;
          }
          outcome = { ok: false, err };
        }
        // Drop it by its key, not by position: the queue may have grown meanwhile.
        saveQueue(queue().filter((other) => other.id !== item.id));
        state.tries = 0;
        if (outcome.ok) {
          const c = outcome.body && outcome.body.case;
          const made = c && item.kind !== 'result' ? t('案件号 {no}，', { no: c.case_no }) : '';
          const what = c ? t('（{what}）', { what: made + t(c.state) }) : '';
          notice(t('已发送：{label}{what}', { label: item.label, what }), false, item.id);
        } else {
          notice(t('未被接受：{label} — {why}', { label: item.label, why: outcome.err.message }), true, item.id);
        }
        if (item.kind === 'result') {
          refreshTasks();
        }
      }
    } finally {
      state.flushing = false;
    }
    if (retry) {
      state.tries += 1;
      const delay = Math.min(MAX_BACKOFF, 1000 * 2 ** state.tries);
      state.retryTimer = setTimeout(flush, delay);
    }
    queueChanged();
    renderTasks();
  }

  function categoryName(category) {
    // English names where the centre gave them; the Chinese name otherwise.
    return window.citydeskI18n.lang === 'en' && category.name_en ? category.name_en : category.name;
  }

  // ---- wiring ------------------------------------------------------------------------------
  function wire() {
    $('signin-form').addEventListener('submit', signIn);
    $('signout').addEventListener('click', signOutPressed);
    $('answer-form').addEventListener('submit', submitAnswer);
    $('report-form').addEventListener('submit', submitReport);
    $('back').addEventListener('click', () => show('tasks'));
    $('retry').addEventListener('click', () => { state.tries = 0; flush(); });
    $('viewer').addEventListener('click', () => { $('viewer').hidden = true; });
    $('r-filter').addEventListener('input', fillCategories);
    $('t-photo').addEventListener('change', () => previews($('t-photo'), $('t-previews')));
    $('r-photo').addEventListener('change', () => previews($('r-photo'), $('r-previews')));
    $('r-after').addEventListener('change', () => previews($('r-after'), $('r-after-previews')));
    for (const b of $('r-mode').children) {
      b.addEventListener('click', () => setMode(b.dataset.mode));
    }
    for (const b of document.querySelectorAll('[data-locate]')) {
      b.addEventListener('click', () => locate(b.dataset.locate));
    }
    for (const tab of document.querySelectorAll('#tabs button')) {
      tab.addEventListener('click', () => show(tab.dataset.view));
    }
    window.addEventListener('online', () => { state.tries = 0; queueChanged(); flush(); });
    window.addEventListener('offline', queueChanged);
    setInterval(tick, 1000);
  }

  window.citydeskI18n.translatePage();
  wire();
  if (state.token && state.me) {
    started();
  } else {
    signedOut('');
  }
}());
