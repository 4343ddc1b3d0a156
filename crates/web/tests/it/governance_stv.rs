//! A ranked election over HTTP, on SQLite and PostgreSQL: a congress of twenty member units
//! elects three council members by Scottish STV in a secret poll, each delegate casting their
//! ranking through the API. The seats the API fills are the ones `tally` gives when it counts
//! the same ballots directly, and the election page shows the count's rounds.

use federa_core::governance::{BodyId, Holder, Method, TermId};
use federa_store::{Actor, NewUser, OrgInput, Role};
use federa_web::auth::token_hash;
use serde_json::{Value, json};
use tally::stv::{StvMethod, StvOptions};

use crate::both_databases;
use crate::governance_pages::congress_and_council;
use crate::support::TestApp;

both_databases!(a_council_is_elected_by_stv_over_the_api);

const VOTERS: usize = 20;
const CANDIDATES: usize = 6;

/// The rankings cast, candidates numbered in ballot order, with how many delegates cast each:
/// a large surplus, transfers on exclusion, and rankings that run out.
const RANKINGS: [(usize, &[u32]); 7] = [
    (7, &[0, 1, 2]),
    (1, &[0, 4]),
    (4, &[1, 2]),
    (3, &[2, 3]),
    (2, &[3, 2, 5]),
    (2, &[4, 3]),
    (1, &[5, 4, 3]),
];

struct Congress {
    units: Vec<Holder>,
    tokens: Vec<String>,
    congress: BodyId,
    congress_term: TermId,
    council: BodyId,
    council_term: TermId,
}

/// Twenty member units seated in the congress, each with a delegate holding an API token; a
/// council of three drawn from the congress (the page tests' bodies).
async fn set_up(app: &TestApp) -> Congress {
    let s = &app.store;
    let sys = Actor::System;
    let (mut units, mut tokens) = (Vec::new(), Vec::new());
    for n in 1..=VOTERS {
        let o = s
            .create_organisation(
                sys,
                &OrgInput {
                    name: format!("会员单位{n:02}"),
                    kind: "company".into(),
                    ..OrgInput::default()
                },
            )
            .await
            .unwrap();
        let unit = Holder::Unit(o.id as u64);
        let user = s
            .create_user(
                sys,
                &NewUser {
                    username: format!("delegate{n}"),
                    display_name: None,
                    password_hash: "-".into(),
                    is_admin: false,
                },
            )
            .await
            .unwrap();
        s.grant_role(sys, user.id, app.home, Role::Representative)
            .await
            .unwrap();
        let token = format!("stv-delegate-{n:02}-{}", "x".repeat(40));
        s.create_api_token(sys, user.id, "phone", &token_hash(&token))
            .await
            .unwrap();
        s.link_delegate(sys, app.home, user.id, unit).await.unwrap();
        units.push(unit);
        tokens.push(token);
    }
    let (congress, council, congress_term, council_term) =
        congress_and_council(app, units.clone()).await;
    Congress {
        units,
        tokens,
        congress,
        congress_term,
        council,
        council_term,
    }
}

/// POSTs `body` to the API as the bearer of `token`; answers the status and the JSON.
async fn send(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    let c = app.client();
    let auth = format!("Bearer {token}");
    let r = app
        .api(&c, reqwest::Method::POST, path, &auth, Some(&body))
        .await;
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// A POST that must succeed.
async fn ok(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let (status, v) = send(app, token, path, body).await;
    assert!(status < 300, "POST {path}: {status} {v}");
    v
}

async fn get(app: &TestApp, path: &str) -> Value {
    let r = app.get(&app.client(), path).await;
    assert_eq!(r.status(), 200, "GET {path}");
    r.json().await.unwrap()
}

/// The ranking of each voter in turn, as `RANKINGS` deals them out.
fn rankings() -> Vec<&'static [u32]> {
    RANKINGS
        .iter()
        .flat_map(|&(n, r)| std::iter::repeat_n(r, n))
        .collect()
}

async fn a_council_is_elected_by_stv_over_the_api(app: &TestApp) {
    let g = set_up(app).await;
    let sec = app.token("sec").await;
    let home = app.home;
    assert_eq!(rankings().len(), VOTERS);

    // Convened with its agenda, every delegate signs in, the meeting opens.
    let m = ok(
        app,
        &sec,
        &format!("/api/organisations/{home}/meetings"),
        json!({
            "body": g.congress.0, "term": g.congress_term.0, "title": "第一次会员代表大会",
            "notice_at": "2026-06-01T09:00:00Z", "starts_at": "2026-06-28T09:00:00Z",
            "place": "重庆市人民大礼堂", "agenda": ["选举第一届理事会"],
        }),
    )
    .await;
    let mid = m["meeting"]["id"].as_u64().unwrap();
    assert_eq!(m["meeting"]["agenda"][0]["number"], 1, "{m}");
    assert_eq!(m["meeting"]["place"], "重庆市人民大礼堂");
    for t in &g.tokens {
        ok(app, t, &format!("/api/meetings/{mid}/sign-in"), json!({})).await;
    }
    ok(app, &sec, &format!("/api/meetings/{mid}/open"), json!({})).await;

    // Three seats by Scottish STV, six candidates.
    let method = serde_json::to_value(Method::Stv {
        method: StvMethod::Scottish,
    })
    .unwrap();
    let e = ok(
        app,
        &sec,
        &format!("/api/meetings/{mid}/elections"),
        json!({
            "body": g.council.0, "term": g.council_term.0, "fills": {"kind": "seats"},
            "seats": 3, "method": method, "agenda_item": 1,
        }),
    )
    .await["id"]
        .as_u64()
        .unwrap();
    for n in 0..CANDIDATES {
        let holder = serde_json::to_value(g.units[n]).unwrap();
        ok(
            app,
            &sec,
            &format!("/api/meetings/{mid}/elections/{e}/candidates"),
            json!({"holder": holder, "name": format!("候选人{}", n + 1)}),
        )
        .await;
    }
    let progress = ok(
        app,
        &sec,
        &format!("/api/meetings/{mid}/elections/{e}/poll"),
        json!({"secrecy": "secret"}),
    )
    .await;
    let poll = progress["progress"]["poll"].as_u64().unwrap();
    assert_eq!(progress["progress"]["entitled"], VOTERS as u64);

    // Each delegate ranks the candidates; the poll names them in ballot order.
    let open = get(app, &format!("/api/polls/{poll}")).await;
    let names: Vec<String> = open["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), CANDIDATES);
    for (t, ranks) in g.tokens.iter().zip(rankings()) {
        let ranks: Vec<Vec<u32>> = ranks.iter().map(|&c| vec![c]).collect();
        let (status, r) = send(
            app,
            t,
            &format!("/api/polls/{poll}/votes"),
            json!({"ballot": {"kind": "ranking", "ranks": ranks}}),
        )
        .await;
        assert_eq!(status, 201, "{r}");
    }
    let closed = ok(app, &sec, &format!("/api/polls/{poll}/close"), json!({})).await;
    let round = &closed["round"];
    let mut elected: Vec<Holder> = serde_json::from_value(round["elected"].clone()).unwrap();

    // The same ballots counted by tally directly, under the election's recorded seed.
    let meeting = get(app, &format!("/api/meetings/{mid}")).await;
    let seed = meeting["meeting"]["elections"][0]["seed"].as_u64().unwrap();
    let direct = tally::Election {
        title: String::new(),
        candidates: names.clone(),
        seats: 3,
        withdrawn: Vec::new(),
        ballots: rankings()
            .into_iter()
            .map(|r| tally::Ballot {
                weight: 1,
                ranks: r.iter().map(|&c| vec![tally::CandidateId(c)]).collect(),
            })
            .collect(),
    };
    let outcome = tally::stv::count(
        &direct,
        &StvOptions::new(StvMethod::Scottish)
            .with_seats(3)
            .with_seed(seed),
    )
    .unwrap();
    let mut expected: Vec<Holder> = outcome.elected.iter().map(|c| g.units[c.index()]).collect();
    assert_eq!(expected.len(), 3);
    elected.sort();
    expected.sort();
    assert_eq!(elected, expected, "the API fills the seats tally gives");
    assert_eq!(
        meeting["meeting"]["elections"][0]["state"], "done",
        "every seat filled in one round"
    );

    // The poll's result: the count with its stages; the secret ballots name no voter.
    let view = get(app, &format!("/api/polls/{poll}")).await;
    let stages = view["round"]["outcome"]["rounds"].as_array().unwrap().len();
    assert!(stages > 1, "transfers take more than one stage: {view}");
    let ballots = view["ballots"].to_string();
    assert!(ballots.contains("ranking"), "{ballots}");
    for h in &g.units {
        let key = serde_json::to_value(h).unwrap().to_string();
        assert!(!ballots.contains(&key), "a secret ballot names no voter");
    }

    // The election page shows the table of rounds, every candidate with their result.
    let html = app
        .page(
            &app.client(),
            &format!("/governance/meetings/{mid}/elections/{e}"),
        )
        .await;
    assert!(html.contains("<table class=\"rounds\">"), "{html}");
    assert!(html.contains("当选票额"), "the quota's row: {html}");
    for stage in 1..=stages {
        assert!(
            html.contains(&format!("轮次 {stage}")),
            "stage {stage}: {html}"
        );
    }
    for n in &names {
        assert!(html.contains(n.as_str()), "{n}: {html}");
    }
    assert_eq!(html.matches("<tr class=\"elected\">").count(), 3, "{html}");
}
