//! The key governance screens in headless Chromium (through chromedriver and fantoccini): the
//! secretariat signs in, watches the quorum of the congress, opens it, opens and closes the vote
//! on the charter and sees its result, then runs the council election and sees its rounds; and
//! convenes a meeting and adds an agenda item through the pages' forms.
//! Each screen is checked for its content and saved as a screenshot under
//! `tests-output/governance/` at the workspace root. A missing Chromium fails the test.

use std::path::PathBuf;

use fantoccini::{Client, Locator};
use federa_core::governance::*;
use federa_store::Actor;
use tally::decision::Choice;

use crate::governance_pages::{cast_council_ballots, polls as poll_ids, set_up};
use crate::support::{TestApp, browser_sign_in_chinese, chromium, click, type_into};

fn output_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests-output/governance");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(b: &Client, name: &str) {
    let png = b.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    assert!(png.len() > 5_000, "{name} looks blank");
    std::fs::write(output_dir().join(name), png).unwrap();
}

async fn text_of(b: &Client, css: &str) -> String {
    b.wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quorum_the_charter_vote_and_the_council_rounds_in_a_browser() {
    let app = TestApp::sqlite().await;
    let g = set_up(&app).await;
    let (b, _driver) = chromium(1280, 1000).await;

    // The secretariat signs in, straight to the meeting.
    let mp = format!("/governance/meetings/{}", g.meeting);
    browser_sign_in_chinese(&b, &app, &mp, "sec", "#quorum").await;

    // 1. The meeting with its quorum: 5 of 6 (one by proxy), two thirds needed.
    let q = text_of(&b, "#quorum").await;
    assert!(q.contains("5 / 6") && q.contains("4"), "{q}");
    assert!(q.contains("已达法定人数"), "{q}");
    let roll = text_of(&b, "#roll").await;
    assert!(
        roll.contains("委托（华龙网）") && roll.contains("缺席"),
        "{roll}"
    );
    shot(&b, "meeting-quorum-zh.png").await;
    b.set_window_size(390, 844).await.unwrap();
    b.refresh().await.unwrap();
    assert!(text_of(&b, "#quorum").await.contains("5 / 6"));
    shot(&b, "meeting-quorum-phone-zh.png").await;
    b.set_window_size(1280, 1000).await.unwrap();

    // 2. The presiding officer opens the meeting and the vote on the charter.
    click(&b, ".controls button.primary").await;
    // The vote's control appears once the meeting is open.
    text_of(&b, "form input[value=open_motion_poll] ~ button").await;
    let state = text_of(&b, ".head .badge").await;
    assert_eq!(state, "进行中");
    b.find(Locator::Css(&format!("#sec-m{}", g.motion)))
        .await
        .unwrap()
        .select_by_value("named")
        .await
        .unwrap();
    click(&b, "form input[value=open_motion_poll] ~ button").await;
    let polls = text_of(&b, ".polls").await;
    assert!(
        polls.contains("通过章程") && polls.contains("已投 0 / 应投 5"),
        "{polls}"
    );
    let poll = poll_ids(&app, g.meeting).await[0];
    let u = &g.units;
    for (by, voter, c) in [
        (u[1], u[1], Choice::Yes),
        (u[2], u[2], Choice::Yes),
        (u[3], u[3], Choice::Yes),
        (u[4], u[4], Choice::No),
        (u[1], u[5], Choice::Yes),
    ] {
        app.store
            .cast_vote(Actor::System, poll, by, voter, vote(c))
            .await
            .unwrap();
    }
    b.refresh().await.unwrap();
    assert!(text_of(&b, ".polls").await.contains("已投 5 / 应投 5"));
    click(&b, ".polls button.danger").await;
    text_of(&b, ".polls li:not(.open)").await;
    b.goto(&app.url(&format!("{mp}/motions/{}", g.motion)))
        .await
        .unwrap();
    let result = text_of(&b, "#result").await;
    assert!(result.contains("表决结果: 通过"), "{result}");
    assert!(
        result.contains("赞成 4 票，达到所需的 4 票（基数 5）"),
        "{result}"
    );
    assert!(
        text_of(&b, "#majority")
            .await
            .contains("到会成员的三分之二以上")
    );
    shot(&b, "charter-result-zh.png").await;
    // The same result in English, through the visible switch.
    b.goto(&app.url(&format!("/lang/en?back={mp}/motions/{}", g.motion)))
        .await
        .unwrap();
    let result = text_of(&b, "#result").await;
    assert!(result.contains("Result: Adopted"), "{result}");
    shot(&b, "charter-result-en.png").await;
    b.goto(&app.url(&format!("/lang/zh-CN?back={mp}")))
        .await
        .unwrap();

    // 3. The council election: a round opened from the page, counted by STV.
    text_of(&b, "#quorum").await;
    click(&b, "form input[value=open_election_poll] ~ button").await;
    text_of(&b, ".polls li:nth-child(2).open").await;
    let epoll = poll_ids(&app, g.meeting).await[1];
    cast_council_ballots(&app, u, epoll).await;
    b.refresh().await.unwrap();
    click(&b, ".polls button.danger").await;
    text_of(&b, ".polls li:nth-child(2):not(.open)").await;
    b.goto(&app.url(&format!("{mp}/elections/{}", g.election)))
        .await
        .unwrap();
    let table = text_of(&b, "table.rounds").await;
    assert!(table.contains("当选票额"), "{table}");
    assert!(
        table.contains("轮次 1") && table.contains("轮次 2"),
        "{table}"
    );
    let elected = b.find_all(Locator::Css("#elected li")).await.unwrap();
    assert_eq!(elected.len(), 2);
    b.execute(
        "document.querySelector('table.rounds').scrollIntoView()",
        Vec::new(),
    )
    .await
    .unwrap();
    shot(&b, "council-rounds-zh.png").await;
    b.set_window_size(390, 844).await.unwrap();
    b.refresh().await.unwrap();
    text_of(&b, "table.rounds").await;
    shot(&b, "council-rounds-phone-zh.png").await;

    b.close().await.unwrap();
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secretariat_convenes_a_meeting_and_adds_an_agenda_item_in_a_browser() {
    let app = TestApp::sqlite().await;
    let g = set_up(&app).await;
    let (b, _driver) = chromium(1280, 1000).await;
    let op = format!("/organisations/{}/governance", app.home);
    browser_sign_in_chinese(&b, &app, &op, "sec", "#convene").await;

    // The notice of a meeting of the congress; the times are set as a browser's date-time
    // picker would set them.
    text_of(&b, "#convene").await;
    b.find(Locator::Id("convene-term"))
        .await
        .unwrap()
        .select_by_value(&format!("{}:{}", g.congress.0, g.congress_term.0))
        .await
        .unwrap();
    type_into(&b, "convene-title", "第二次会员代表大会").await;
    b.execute(
        "document.getElementById('convene-notice-at').value = '2026-09-01T09:00';\
         document.getElementById('convene-starts').value = '2026-09-20T09:00';",
        Vec::new(),
    )
    .await
    .unwrap();
    type_into(&b, "convene-place", "重庆市人民大礼堂").await;
    type_into(&b, "convene-notice", "请各会员单位派代表准时出席。").await;
    type_into(&b, "convene-agenda", "审议工作报告").await;
    shot(&b, "convene-form-zh.png").await;
    click(&b, "#convene button[type=submit]").await;

    // The meeting page: its notice and agenda; then an item added from the page.
    let head = text_of(&b, ".head h1").await;
    assert_eq!(head, "第二次会员代表大会");
    assert_eq!(text_of(&b, ".head + p.muted").await, "第1届会员代表大会");
    assert!(
        text_of(&b, "#quorum").await.contains("0 / 6"),
        "the congress's roll"
    );
    let facts = text_of(&b, ".facts").await;
    assert!(facts.contains("重庆市人民大礼堂"), "{facts}");
    assert!(facts.contains("2026-09-20 09:00 UTC"), "{facts}");
    type_into(&b, "item-title", "审议财务报告").await;
    click(&b, "#add-item button[type=submit]").await;
    b.wait()
        .for_element(Locator::Css("ol.agenda li[value='2']"))
        .await
        .unwrap();
    let agenda = text_of(&b, "ol.agenda").await;
    assert!(
        agenda.contains("审议工作报告") && agenda.contains("审议财务报告"),
        "{agenda}"
    );
    shot(&b, "meeting-prepared-zh.png").await;
    b.close().await.unwrap();
    app.finish().await;
}
