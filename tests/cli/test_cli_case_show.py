"""``citydesk case show ID`` prints every note, reason, result and photo of every step.

The text form (not only ``--json``): the unit's feedback notes, the verification and check
results with their notes, the reasons of refusals, returns, extensions, suspensions, voids and
denials, urge notes, the photos of each step, and who holds a 核实 / 核查 task.  Times are the
centre's (Asia/Shanghai) whatever the machine's zone.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.cli.conftest import run
from tests.cli.test_cli_loop import new_case, show, step


@pytest.fixture(params=["UTC", "America/New_York"])
def machine_zone(request: pytest.FixtureRequest) -> Iterator[str]:
    """Run the test on a machine set to another zone than the centre's."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield request.param
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time.tzset()


def photo(folder: Path, name: str, color: str) -> str:
    path = folder / name
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def text_of(url: str, case: int, now: str = "2026-03-03T16:00:00+08:00") -> str:
    result = run(url, "case", "show", str(case), now=now)
    assert result.code == 0, result.err
    return result.out


def test_show_prints_feedback_check_and_verification_notes_and_photos(
        cli_db: str, tmp_path: Path, machine_zone: str) -> None:
    cid = new_case(cli_db, "--source", "12345热线", "--photo",
                   photo(tmp_path, "来电照片.jpg", "brown"), user="shouli1")["id"]
    step(cli_db, "accept", cid, user="shouli1", now="2026-03-02T10:01:00+08:00")
    step(cli_db, "request-verify", cid, "--collector", "caiji01", user="shouli1",
         now="2026-03-02T10:02:00+08:00")
    step(cli_db, "verify", cid, "--found", "--notes", "现场确认约两立方垃圾", user="caiji01",
         now="2026-03-02T10:30:00+08:00")
    step(cli_db, "file", cid, user="zhibanzhang1", now="2026-03-02T10:35:00+08:00")
    case = step(cli_db, "dispatch", cid, user="paiqian1", now="2026-03-02T10:40:00+08:00")
    unit_user = {"KH-ZHZF": "unit_zhzf", "KH-QYBSC": "unit_qybsc"}[case["unit"]]
    step(cli_db, "start", cid, user=unit_user, now="2026-03-02T10:50:00+08:00")
    step(cli_db, "feedback", cid, "--notes", "已清运，路面冲洗干净", "--photo",
         photo(tmp_path, "清运后.jpg", "green"), user=unit_user, now="2026-03-02T11:20:00+08:00")
    step(cli_db, "request-check", cid, "--collector", "caiji01", user="shouli1",
         now="2026-03-02T11:25:00+08:00")
    checking = text_of(cli_db, cid, now="2026-03-02T11:40:00+08:00")
    assert "核查任务：监督员 汪一（芹阳办事处北门社区北片） caiji01，自 2026-03-02 11:25" in checking
    step(cli_db, "check-fail", cid, "--notes", "绿化带内仍有残留垃圾袋", "--photo",
         photo(tmp_path, "残留.jpg", "red"), user="caiji01", now="2026-03-02T14:10:00+08:00")
    step(cli_db, "start", cid, user=unit_user, now="2026-03-02T14:20:00+08:00")
    step(cli_db, "feedback", cid, "--notes", "残留已清理", user=unit_user,
         now="2026-03-02T15:00:00+08:00")
    waiting = text_of(cli_db, cid, now="2026-03-02T15:10:00+08:00")
    assert "核查任务：待受理员发出，自 2026-03-02 15:00" in waiting
    step(cli_db, "request-check", cid, user="shouli1", now="2026-03-02T15:05:00+08:00")
    anyone = text_of(cli_db, cid, now="2026-03-02T15:10:00+08:00")
    assert "核查任务：监督员（未指定人员），自 2026-03-02 15:05" in anyone
    step(cli_db, "check-pass", cid, "--notes", "复查合格", user="caiji01",
         now="2026-03-02T16:00:00+08:00")
    step(cli_db, "close", cid, user="zhibanzhang1", now="2026-03-02T16:30:00+08:00")

    text = text_of(cli_db, cid)
    lines = text.splitlines()
    assert "上报时间：2026-03-02 10:00" in lines  # the centre's time, not the machine's
    assert "任务：" not in text  # closed: nobody holds a task
    expected = [
        "  2026-03-02 10:02 发核实",
        "      交由监督员：监督员 汪一（芹阳办事处北门社区北片） caiji01",
        "  2026-03-02 10:30 核实",
        "      核实结果：问题属实",
        "      核实说明：现场确认约两立方垃圾",
        "  2026-03-02 10:35 立案",
        "      立案条件：1 主次干道、广场等公共场所暴露垃圾（成堆成片）",
        "  2026-03-02 10:40 派遣",
        "      派往单位：县综合执法局",
        "  2026-03-02 11:20 处置反馈",
        "      处置说明：已清运，路面冲洗干净",
        "  2026-03-02 14:10 核查不通过（返工）",
        "      核查意见：绿化带内仍有残留垃圾袋",
        "      返工次数：1",
        "  2026-03-02 15:00 处置反馈",
        "      处置说明：残留已清理",
        "  2026-03-02 16:00 核查通过",
        "      核查意见：复查合格",
        "  2026-03-02 16:30 结案",
        "      结案类型：正常",
    ]
    found = [next(i for i, line in enumerate(lines) if line.startswith(want))
             for want in expected]
    assert found == sorted(found), "each note under its own step, in order"
    # Photos under the step that added them.
    report_at = next(i for i, line in enumerate(lines) if line.startswith("  2026-03-02 10:00 上报"))
    assert "照片 #" in lines[report_at + 3] and "来电照片.jpg（处置前" in lines[report_at + 3]
    feedback_at = found[9]
    assert "清运后.jpg（处置后" in lines[feedback_at + 2]
    fail_at = found[11]
    assert "残留.jpg（处置后" in lines[fail_at + 3]

    data = show(cli_db, cid)  # --json keeps its shape; each step gains details and photos
    by_type = {e["type"]: e for e in data["timeline"]}
    assert by_type["verify"]["details"] == ["核实结果：问题属实", "核实说明：现场确认约两立方垃圾"]
    assert by_type["verify"]["payload"]["notes"] == "现场确认约两立方垃圾"
    assert len(by_type["report"]["photos"]) == 1 and data["holder"] is None
    assert {p["event_id"] for p in data["photos"]} <= {e["id"] for e in data["timeline"]}


def test_show_prints_every_reason_of_the_side_paths(cli_db: str) -> None:
    refused = new_case(cli_db)["id"]
    step(cli_db, "refuse", refused, "--reason", "非城管职责，已转交通部门")
    assert "      理由：非城管职责，已转交通部门" in text_of(cli_db, refused).splitlines()
    nf = new_case(cli_db, "--source", "公众举报", user="shouli1")["id"]
    step(cli_db, "accept", nf)
    step(cli_db, "request-verify", nf)
    step(cli_db, "verify", nf, "--not-found", "--notes", "现场未见垃圾", user="caiji01")
    step(cli_db, "refuse-file", nf, "--reason", "现场无此问题")
    nf_text = text_of(cli_db, nf)
    for want in ("核实结果：问题不存在", "核实说明：现场未见垃圾", "理由：现场无此问题"):
        assert want in nf_text

    cid = new_case(cli_db)["id"]
    step(cli_db, "accept", cid)
    step(cli_db, "file", cid)
    case = step(cli_db, "dispatch", cid, user="paiqian1")
    unit_user = {"KH-ZHZF": "unit_zhzf", "KH-QYBSC": "unit_qybsc"}[case["unit"]]
    step(cli_db, "request-extension", cid, "--hours", "2.5", "--reason", "需调派压缩车",
         user=unit_user)
    pending = text_of(cli_db, cid)
    assert "待审批：延期（需调派压缩车）— " + unit_user + "，2026-03-02 10:00" in pending
    step(cli_db, "deny-request", cid, "--reason", "垃圾量不大，按原时限", user="zhibanzhang1")
    step(cli_db, "request-return", cid, "--reason", "非本单位职责", user=unit_user)
    step(cli_db, "approve", cid, user="zhibanzhang1")
    step(cli_db, "designate", cid, "--unit", "KH-ZJJ", "--reason", "责任不清，指定住建局",
         user="zhibanzhang1")
    step(cli_db, "request-suspend", cid, "--reason", "雨季无法施工", user="unit_zjj")
    step(cli_db, "approve", cid, user="zhibanzhang1")
    step(cli_db, "urge", cid, "--note", "请制定施工计划", user="zhibanzhang1")
    step(cli_db, "resume", cid, user="zhibanzhang1", now="2026-03-03T10:00:00+08:00")
    step(cli_db, "request-void", cid, "--reason", "确认与另一案件重复", user="shouli1",
         now="2026-03-03T10:05:00+08:00")
    step(cli_db, "approve", cid, user="zhibanzhang1", now="2026-03-03T10:10:00+08:00")
    text = text_of(cli_db, cid)
    for want in (
        "延期（工作时）：2:30", "申请理由：需调派压缩车",          # the request
        "申请类型：延期", "驳回理由：垃圾量不大，按原时限",          # its denial
        "申请理由：非本单位职责", "退回单位：",                     # return and its approval
        "派往单位：县住房和城乡建设局", "理由：责任不清，指定住建局",  # designation
        "申请理由：雨季无法施工",                                 # suspension
        "督办意见：请制定施工计划",                               # urge
        "挂账时长（工作时）：",                                   # resume
        "申请理由：确认与另一案件重复",                           # void, asked and approved
    ):
        assert want in text, want
    approve_void = text.split("批准作废")[1]
    assert "申请理由：确认与另一案件重复" in approve_void.splitlines()[1]
