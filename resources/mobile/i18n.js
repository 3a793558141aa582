/* 城管通's two languages: Chinese by default, English when the collector picks it.
 *
 * The Chinese text is the key (as in the desk's resources/i18n/en.yaml): a string without an
 * English entry shows in Chinese, never as a blank.  Placeholders are {name}.  The choice is kept
 * in localStorage ('citydesk.lang'); the page is built once in one language (switching reloads
 * it: the token and the queue live in storage, so nothing is lost but a half-typed form).
 */
'use strict';
(function () {
  const EN = {
    // index.html
    '城管通': 'CityDesk Field',
    '退出': 'Sign out',
    '立即重试': 'Retry now',
    '监督员登录': 'Collector sign-in',
    '用户名': 'User name',
    '密码': 'Password',
    '登录': 'Sign in',
    '我的任务': 'My tasks',
    '‹ 返回任务列表': '‹ Back to my tasks',
    '说明': 'Notes',
    '拍照或选择照片': 'Take or choose photos',
    '未选照片': 'No photo chosen',
    '位置：获取中…': 'Position: locating…',
    '重新定位': 'Locate again',
    '提交结果': 'Send result',
    '上报问题': 'Report a problem',
    '自处置': 'Fixed on the spot',
    '类别（输入代码、名称或拼音首字母筛选）': 'Category (filter by code, name or pinyin initials)',
    '如 暴露垃圾、bllj、06010': 'e.g. exposed garbage, bllj, 06010',
    '问题描述': 'Description',
    '地址（选填）': 'Address (optional)',
    '现场照片': 'Photos of the scene',
    '处置后照片（至少一张）': 'Photos after the fix (at least one)',
    '网格（无定位时使用）': 'Grid cell (used without a position)',
    '提交上报': 'Send report',
    '照片': 'Photo',
    '上报 / 自处置': 'Report / fixed',
    // app.js
    '无时限': 'no time limit',
    '超 {hms}': 'over {hms}',
    '剩 {hms}': '{hms} left',
    '{month}月{day}日 {time}': '{month}-{day} {time}',
    '登录已过期，请重新登录（未发送的内容已保留）':
      'Session expired: sign in again (what was not sent is kept)',
    '此页面供监督员使用': 'This page is for collectors only',
    '无法连接服务器': 'Cannot reach the server',
    '网络中断，稍后自动刷新': 'Network down: refreshing automatically',
    '核实': 'Verify',
    '核查': 'Check',
    '截止 {time}': 'due {time}',
    '已答复，等待发送': 'Answered, waiting to send',
    '暂无任务；新任务到达时自动显示。': 'No tasks; new ones appear here as they arrive.',
    '（{n}）': '({n})',
    '案件号': 'Case no.',
    '截止': 'Due',
    '描述': 'Description',
    '地址': 'Address',
    '网格': 'Grid cell',
    '处置说明': 'Handling notes',
    '问题是否属实？': 'Is the problem real?',
    '是否已处置到位？': 'Has it been fixed properly?',
    '属实': 'Found',
    '不属实': 'Not found',
    '核查通过': 'Pass',
    '不通过（返工）': 'Fail (rework)',
    '说明（选填）': 'Notes (optional)',
    '核查意见（不通过时必填）': 'Check notes (required on fail)',
    '案件照片': 'Case photo',
    '照片无法加载': 'Photo could not load',
    '请先选择结果': 'Choose a result first',
    '核查不通过须写明意见': 'A failed check needs notes',
    '（±{m} 米）': ' (±{m} m)',
    '位置：{lon}, {lat}{acc}': 'Position: {lon}, {lat}{acc}',
    '位置：未获取（{why}）': 'Position: none ({why})',
    '浏览器不支持定位': 'the browser cannot locate',
    '未允许定位': 'location not allowed',
    '定位失败': 'location failed',
    '已选 {n} 张': '{n} chosen',
    '请选择类别': 'Choose a category',
    '处置前照片（至少一张）': 'Photos before the fix (at least one)',
    '提交自处置': 'Send fixed-on-the-spot',
    '现场已处置的小问题：附处置前、处置后照片，由受理员审核。':
      'A small problem fixed on the spot: attach photos before and after; an acceptor reviews it.',
    '请选择类别并填写问题描述': 'Choose a category and describe the problem',
    '自处置须附处置前和处置后照片': 'Fixed-on-the-spot needs photos before and after',
    '上报': 'Report',
    '手机存储已满：照片太多或太大，请减少照片后重试（未保存）':
      'Phone storage full: too many or too large photos; remove some and try again (not saved)',
    '已保存：{label}，{how}': 'Saved: {label}, {how}',
    '正在发送': 'sending',
    '联网后自动发送': 'sent when online',
    '离线': 'Offline',
    '，': ', ',
    '待发送 {n} 项': '{n} to send',
    '案件号 {no}，': 'case {no}, ',
    '已发送：{label}{what}': 'Sent: {label}{what}',
    '（{what}）': ' ({what})',
    '未被接受：{label} — {why}': 'Not accepted: {label} — {why}',
    '部件': 'Component',
    '事件': 'Event',
    // case states the server names in its answers
    '待受理': 'Awaiting intake',
    '核实中': 'Verifying',
    '待立案': 'Awaiting filing',
    '待派遣': 'Awaiting dispatch',
    '待处置': 'Awaiting handling',
    '处置中': 'Handling',
    '待核查': 'Awaiting check',
    '核查中': 'Checking',
    '待结案': 'Awaiting closure',
    '挂账': 'On hold',
    '自处置待审核': 'Self-handled, awaiting review',
    '已结案': 'Closed',
    '不予受理': 'Not accepted',
    '不予立案': 'Not filed',
    '已作废': 'Voided',
    '已合并': 'Merged',
  };

  const stored = localStorage.getItem('citydesk.lang');
  const lang = stored === 'en' ? 'en' : 'zh';

  function t(zh, vars) {
    let text = lang === 'en' && Object.prototype.hasOwnProperty.call(EN, zh) ? EN[zh] : zh;
    for (const [name, value] of Object.entries(vars || {})) {
      text = text.split(`{${name}}`).join(String(value));
    }
    return text;
  }

  function serverText(message) {
    // The server's refusals read "中文 / English": show the half of the page's language.
    const parts = String(message || '').split(' / ');
    if (parts.length < 2) {
      return message;
    }
    return lang === 'en' ? parts.slice(1).join(' / ') : parts[0];
  }

  function translatePage() {
    // Elements marked data-i18n: their own first text node is the key (children stay).
    document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
    for (const node of document.querySelectorAll('[data-i18n]')) {
      const text = Array.from(node.childNodes).find((c) => c.nodeType === Node.TEXT_NODE && c.data.trim());
      if (text) {
        const lead = text.data.match(/^\s*/)[0];
        const tail = text.data.match(/\s*$/)[0];
        text.data = lead + t(text.data.trim()) + tail;
      }
    }
    for (const node of document.querySelectorAll('[data-i18n-placeholder]')) {
      node.placeholder = t(node.placeholder);
    }
    for (const node of document.querySelectorAll('[data-i18n-alt]')) {
      node.alt = t(node.alt);
    }
    document.title = lang === 'en' ? 'CityDesk Field' : '城管通 · CityDesk';
    const toggle = document.getElementById('lang');
    toggle.textContent = lang === 'en' ? '中文' : 'English';
    toggle.addEventListener('click', () => {
      localStorage.setItem('citydesk.lang', lang === 'en' ? 'zh' : 'en');
      window.location.reload();
    });
  }

  window.citydeskI18n = { lang, t, serverText, translatePage };
}());
