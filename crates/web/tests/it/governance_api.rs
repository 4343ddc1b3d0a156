//! The governance API's edges: roles, bad input with code and field, and the OpenAPI document.

use serde_json::{Value, json};

use crate::both_databases;
use crate::support::TestApp;

both_databases!(roles_and_bad_input_are_refused);

async fn roles_and_bad_input_are_refused(app: &TestApp) {
    let home = app.home;
    let c = app.client();
    let sec = app.token("sec").await;
    let rep = app.token("rep").await;
    let post = |token: String, path: String, body: Value| {
        let c = c.clone();
        let url = app.url(&path);
        async move {
            let r = c
                .post(url)
                .header("authorization", format!("Bearer {token}"))
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let congress = json!({"kind": "congress", "name": "会员代表大会", "rules": {
        "seats": null, "elected_by": null, "drawn_from": null, "incompatible_with": [],
        "quorum": {"kind": "none"}, "majority": "two thirds", "proxies": null,
        "notice_days": 0}});
    // Bad rules name the field.
    let (status, e) = post(
        sec.clone(),
        format!("/api/organisations/{home}/bodies"),
        congress,
    )
    .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["field"], "rules.majority");
    let rules = json!({"seats": null, "elected_by": null, "drawn_from": null,
        "incompatible_with": [], "quorum": {"kind": "none"},
        "majority": {"fraction": {"num": 1, "den": 2}, "comparison": "more_than", "base": "cast"},
        "proxies": {"max_per_carrier": 0, "count_as_present": false}, "notice_days": 0});
    let body = json!({"kind": "congress", "name": "会员代表大会", "rules": rules});
    // A representative may not set up bodies; the secretariat of another organisation neither.
    let (status, e) = post(
        rep.clone(),
        format!("/api/organisations/{home}/bodies"),
        body.clone(),
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (403, Some("forbidden"))
    );
    let other = app.other;
    let (status, _) = post(
        sec.clone(),
        format!("/api/organisations/{other}/bodies"),
        body.clone(),
    )
    .await;
    assert_eq!(status, 403);
    let (status, b) = post(
        sec.clone(),
        format!("/api/organisations/{home}/bodies"),
        body,
    )
    .await;
    assert_eq!(status, 201, "{b}");
    let id = b["bodies"]["bodies"][0]["id"].as_u64().unwrap();
    // A term of an unknown body: the rule's code and the field.
    let (status, e) = post(
        sec.clone(),
        format!("/api/organisations/{home}/terms"),
        json!({"body": 999999, "number": 1, "start": "2026-06-28"}),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(e["error"]["code"], "no_such_body");
    assert_eq!(e["error"]["field"], "body");
    let (status, e) = post(
        sec.clone(),
        format!("/api/organisations/{home}/terms"),
        json!({"body": id, "number": 1, "start": "28/06/2026"}),
    )
    .await;
    assert_eq!((status, e["error"]["field"].as_str()), (422, Some("start")));
    let (status, t) = post(
        sec.clone(),
        format!("/api/organisations/{home}/terms"),
        json!({"body": id, "number": 1, "start": "2026-06-28"}),
    )
    .await;
    assert_eq!(status, 201);
    let term = t["bodies"]["terms"][0]["id"].as_u64().unwrap();
    // Convening: unknown fields and bad times are refused before anything is written.
    let (status, e) = post(
        sec.clone(),
        format!("/api/organisations/{home}/meetings"),
        json!({"body": id, "term": term, "title": "大会", "notice_at": "yesterday",
               "starts_at": "2026-06-28T09:00:00Z"}),
    )
    .await;
    assert_eq!(
        (status, e["error"]["field"].as_str()),
        (422, Some("notice_at"))
    );
    let (status, e) = post(
        sec.clone(),
        format!("/api/organisations/{home}/meetings"),
        json!({"body": id, "term": term, "title": "大会", "when": "now"}),
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (422, Some("unknown_field"))
    );
    // Unknown meetings and polls.
    let (status, e) = post(
        rep.clone(),
        "/api/polls/424242/votes".into(),
        json!({"ballot": {"kind": "motion", "choice": "yes"}}),
    )
    .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (404, Some("no_such_poll"))
    );
    let r = app.get(&c, "/api/meetings/424242").await;
    assert_eq!(r.status(), 404);
    // Reading is public.
    let r = app
        .get(&c, &format!("/api/organisations/{home}/bodies"))
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["version"], 2);
}
