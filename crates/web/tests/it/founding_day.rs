//! The founding day over HTTP, on SQLite and PostgreSQL: the association of 92 member units
//! is succeeded by the federation; the first member congress signs in its delegates, checks
//! its quorum, adopts the charter (draft) by two thirds, elects the council competitively and
//! the board of supervisors; the first meeting of the first council elects the executive
//! council from its own members, then the president, vice-presidents and secretary-general.
//! Every step is a real request; delegates sign themselves in and cast their own votes and
//! their proxies'.

use federa_store::{Actor, MembershipFilter, MembershipInput, NewUser, OrgInput, Page, Role};
use federa_web::auth::token_hash;
use serde_json::{Value, json};

use crate::both_databases;
use crate::support::TestApp;

both_databases!(the_founding_day_over_http);

struct Day<'a> {
    app: &'a TestApp,
    c: reqwest::Client,
    admin: String,
    fed: i64,
    /// Member unit n (1 to 92) is `units[n - 1]`, an organisation id.
    units: Vec<i64>,
    /// The bearer token of unit n's delegate is `tokens[n - 1]`.
    tokens: Vec<String>,
}

fn unit_json(id: i64) -> Value {
    json!({"kind": "unit", "id": id})
}

impl Day<'_> {
    fn unit(&self, n: usize) -> Value {
        unit_json(self.units[n - 1])
    }

    async fn send(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .app
            .api(
                &self.c,
                reqwest::Method::POST,
                path,
                &format!("Bearer {token}"),
                Some(&body),
            )
            .await;
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// A request by the secretariat that must succeed.
    async fn post(&self, path: &str, body: Value) -> Value {
        let (status, v) = self.send(&self.admin, path, body).await;
        assert!(status < 300, "POST {path}: {status} {v}");
        v
    }

    /// A request that must be refused with `code`; returns the error body.
    async fn refused(&self, token: &str, path: &str, body: Value, code: &str) -> Value {
        let before = self.app.snapshot().await;
        let (status, v) = self.send(token, path, body).await;
        assert!(status >= 400, "POST {path} should be refused: {v}");
        assert_eq!(v["error"]["code"], code, "POST {path}: {v}");
        assert_eq!(
            self.app.snapshot().await,
            before,
            "a refusal records nothing"
        );
        v["error"].clone()
    }

    async fn get(&self, path: &str) -> Value {
        let r = self.app.get(&self.c, path).await;
        assert_eq!(r.status(), 200, "GET {path}");
        r.json().await.unwrap()
    }

    /// The delegates of units `first` to `last` sign themselves in to `meeting`.
    async fn delegates_sign_in(&self, meeting: u64, first: usize, last: usize) {
        for n in first..=last {
            let (status, q) = self
                .send(
                    &self.tokens[n - 1],
                    &format!("/api/meetings/{meeting}/sign-in"),
                    json!({}),
                )
                .await;
            assert_eq!(status, 200, "{q}");
        }
    }

    /// Unit n's delegate casts `ballot` as `voter` (their own or their proxy's).
    async fn vote(&self, poll: u64, by: usize, voter: usize, ballot: Value) -> (u16, Value) {
        self.send(
            &self.tokens[by - 1],
            &format!("/api/polls/{poll}/votes"),
            json!({"voter": self.unit(voter), "ballot": ballot}),
        )
        .await
    }

    /// Every entitled voter votes, in the order of their holders; `carriers` maps a principal
    /// to the unit carrying their proxy. `ballot(i)` is the i-th voter's ballot.
    async fn vote_all(
        &self,
        poll: u64,
        voters: &[usize],
        carriers: &[(usize, usize)],
        ballot: impl Fn(usize) -> Value,
    ) {
        for (i, &v) in voters.iter().enumerate() {
            let by = carriers
                .iter()
                .find(|(p, _)| *p == v)
                .map_or(v, |(_, c)| *c);
            let (status, r) = self.vote(poll, by, v, ballot(i)).await;
            assert_eq!(status, 201, "unit {v} votes: {r}");
        }
    }

    async fn poll(&self, poll: u64) -> Value {
        self.get(&format!("/api/polls/{poll}")).await
    }

    async fn close(&self, poll: u64) -> Value {
        self.post(&format!("/api/polls/{poll}/close"), json!({}))
            .await
    }

    fn elected(&self, round: &Value) -> Vec<usize> {
        round["elected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                let id = h["id"].as_i64().unwrap();
                self.units.iter().position(|&u| u == id).unwrap() + 1
            })
            .collect()
    }
}

fn marks(cs: impl IntoIterator<Item = u32>) -> Value {
    json!({"kind": "marks", "marked": cs.into_iter().collect::<Vec<_>>()})
}

fn yes_no(choice: &str) -> Value {
    json!({"kind": "motion", "choice": choice})
}

/// The predecessor association and its 92 member units, succeeded by the federation; a
/// delegate user (with a token) for each unit.
async fn set_up(app: &TestApp) -> Day<'_> {
    let store = &app.store;
    let sys = Actor::System;
    let association = app.home;
    for n in 1..=92 {
        let input = MembershipInput {
            member_id: None,
            new_member: Some(OrgInput {
                name: format!("会员单位{n:02}"),
                kind: "company".into(),
                ..OrgInput::default()
            }),
            category: "会员单位".into(),
            joined: "2015-03-01".into(),
            status: None,
        };
        store
            .add_membership(sys, association, &input)
            .await
            .unwrap();
    }
    let fed = store
        .create_organisation(
            sys,
            &OrgInput {
                name: "重庆市互联网联合会".into(),
                kind: "federation".into(),
                predecessor_id: Some(association),
                ..OrgInput::default()
            },
        )
        .await
        .unwrap()
        .id;
    store
        .succeed_organisation(association, fed, time::macros::date!(2026 - 06 - 28), sys)
        .await
        .unwrap();
    let members = store
        .list_memberships(
            fed,
            &MembershipFilter {
                current_only: true,
                ..MembershipFilter::default()
            },
            Page::new(0, 500),
        )
        .await
        .unwrap();
    assert_eq!(members.total, 92, "the federation continues the 92 members");
    let mut units: Vec<(String, i64)> = members
        .items
        .iter()
        .map(|m| (m.member.name.clone(), m.member.id))
        .collect();
    units.sort();
    let units: Vec<i64> = units.into_iter().map(|(_, id)| id).collect();
    let mut tokens = Vec::new();
    for (i, _) in units.iter().enumerate() {
        let user = store
            .create_user(
                sys,
                &NewUser {
                    username: format!("delegate{}", i + 1),
                    display_name: None,
                    password_hash: "-".into(),
                    is_admin: false,
                },
            )
            .await
            .unwrap();
        store
            .grant_role(sys, user.id, fed, Role::Representative)
            .await
            .unwrap();
        let token = format!("delegate-token-{:02}-{}", i + 1, "x".repeat(40));
        store
            .create_api_token(sys, user.id, "phone", &token_hash(&token))
            .await
            .unwrap();
        tokens.push(token);
    }
    let admin = app.token("admin").await;
    let day = Day {
        app,
        c: app.client(),
        admin,
        fed,
        units,
        tokens,
    };
    // Each delegate is linked to their unit (the secretariat does this).
    for n in 1..=92 {
        let user = store
            .find_user_by_username(&format!("delegate{n}"))
            .await
            .unwrap()
            .unwrap();
        day.post(
            &format!("/api/organisations/{fed}/delegates"),
            json!({"user_id": user.id, "holder": day.unit(n)}),
        )
        .await;
    }
    day
}

fn share(num: u64, den: u64, comparison: &str) -> Value {
    json!({"kind": "share", "fraction": {"num": num, "den": den}, "comparison": comparison})
}

fn majority(num: u64, den: u64, comparison: &str, base: &str) -> Value {
    json!({"fraction": {"num": num, "den": den}, "comparison": comparison, "base": base})
}

fn rules(
    seats: Option<u32>,
    from: Option<u64>,
    incompatible: Vec<u64>,
    proxies: u32,
    notice: u32,
) -> Value {
    json!({
        "seats": seats,
        "elected_by": from,
        "drawn_from": from,
        "incompatible_with": incompatible,
        "quorum": share(2, 3, "at_least"),
        "majority": majority(1, 2, "at_least", "present"),
        "proxies": {"max_per_carrier": proxies, "count_as_present": proxies > 0},
        "notice_days": notice,
    })
}

/// Adds a body and its first term; returns (body, term).
async fn body_and_term(day: &Day<'_>, kind: &str, name: &str, rules: Value) -> (u64, u64) {
    let fed = day.fed;
    let b = day
        .post(
            &format!("/api/organisations/{fed}/bodies"),
            json!({"kind": kind, "name": name, "rules": rules}),
        )
        .await;
    let body = b["bodies"]["bodies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == name)
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    let b = day
        .post(
            &format!("/api/organisations/{fed}/terms"),
            json!({"body": body, "number": 1, "start": "2026-06-28"}),
        )
        .await;
    let term = b["bodies"]["terms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["body"] == body)
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    (body, term)
}

async fn the_founding_day_over_http(app: &TestApp) {
    let day = set_up(app).await;
    let fed = day.fed;
    let (congress, congress_term) = body_and_term(
        &day,
        "congress",
        "会员代表大会",
        rules(None, None, vec![], 1, 15),
    )
    .await;
    let (council, council_term) = body_and_term(
        &day,
        "council",
        "理事会",
        rules(Some(25), Some(congress), vec![], 0, 0),
    )
    .await;
    let (executive, executive_term) = body_and_term(
        &day,
        "executive_council",
        "常务理事会",
        rules(Some(9), Some(council), vec![], 0, 0),
    )
    .await;
    let (supervisors, supervisors_term) = body_and_term(
        &day,
        "supervisors",
        "监事会",
        rules(Some(3), Some(congress), vec![council], 0, 0),
    )
    .await;
    let all: Vec<Value> = (1..=92).map(|n| day.unit(n)).collect();
    day.post(
        &format!("/api/organisations/{fed}/terms/{congress_term}/seats"),
        json!({"holders": all, "start": "2026-06-28"}),
    )
    .await;

    // --- The first member congress: notice, sign-in, proxies, quorum.
    let convene = |notice: &str| {
        json!({"body": congress, "term": congress_term, "title": "第一次会员代表大会",
               "notice_at": notice, "starts_at": "2026-06-28T09:00:00Z"})
    };
    day.refused(
        &day.admin,
        &format!("/api/organisations/{fed}/meetings"),
        convene("2026-06-20T09:00:00Z"),
        "notice_too_short",
    )
    .await;
    let m = day
        .post(
            &format!("/api/organisations/{fed}/meetings"),
            convene("2026-06-01T09:00:00Z"),
        )
        .await;
    let mid = m["meeting"]["id"].as_u64().unwrap();
    assert_eq!(m["quorum"]["members"], 92);
    // Delegates sign themselves in from their phones.
    day.delegates_sign_in(mid, 1, 61).await;
    // A delegate may not sign in someone else, nor open the meeting.
    day.refused(
        &day.tokens[0],
        &format!("/api/meetings/{mid}/sign-in"),
        json!({"holders": [day.unit(80)]}),
        "forbidden",
    )
    .await;
    day.refused(
        &day.tokens[0],
        &format!("/api/meetings/{mid}/open"),
        json!({}),
        "forbidden",
    )
    .await;
    // 61 of 92 is not two thirds ("2/3以上" is at least 61.33).
    let e = day
        .refused(
            &day.admin,
            &format!("/api/meetings/{mid}/open"),
            json!({}),
            "no_quorum",
        )
        .await;
    assert_eq!(e["field"], "quorum");
    // The secretariat signs in the rest of those present.
    let late: Vec<Value> = (62..=86).map(|n| day.unit(n)).collect();
    let q = day
        .post(
            &format!("/api/meetings/{mid}/sign-in"),
            json!({"holders": late}),
        )
        .await;
    assert_eq!(q["in_person"], 86);
    // Unit 87's delegate gives their proxy to unit 1; the secretariat records three more.
    let (status, _) = day
        .send(
            &day.tokens[86],
            &format!("/api/meetings/{mid}/proxies"),
            json!({"principal": day.unit(87), "carrier": day.unit(1)}),
        )
        .await;
    assert_eq!(status, 200);
    day.refused(
        &day.admin,
        &format!("/api/meetings/{mid}/proxies"),
        json!({"principal": day.unit(88), "carrier": day.unit(1)}),
        "too_many_proxies",
    )
    .await;
    day.refused(
        &day.admin,
        &format!("/api/meetings/{mid}/proxies"),
        json!({"principal": day.unit(88), "carrier": day.unit(91)}),
        "carrier_not_present",
    )
    .await;
    let carriers = [(87, 1), (88, 2), (89, 3), (90, 4)];
    for (p, c) in &carriers[1..] {
        day.post(
            &format!("/api/meetings/{mid}/proxies"),
            json!({"principal": day.unit(*p), "carrier": day.unit(*c)}),
        )
        .await;
    }
    let q = day
        .post(&format!("/api/meetings/{mid}/open"), json!({}))
        .await;
    assert_eq!(
        (
            &q["quorum"]["present"],
            &q["quorum"]["required"],
            &q["quorum"]["met"]
        ),
        (&json!(90), &json!(62), &json!(true))
    );
    assert_eq!(q["by_proxy"], 4);
    let live = day.get(&format!("/api/meetings/{mid}/quorum")).await;
    assert_eq!(live["quorum"]["present"], 90);
    let voters: Vec<usize> = (1..=90).collect();

    // --- Item 1: the charter (draft), amended, adopted by two thirds of those present.
    let doc = day
        .post(
            &format!("/api/organisations/{fed}/documents"),
            json!({"kind": "charter", "title": "重庆市互联网联合会章程", "paragraphs": [
                "第一条 本会名称为重庆市互联网联合会。",
                "第二条 会员代表大会每五年召开一次。",
                "第三条 本会接受业务主管单位的指导。"]}),
        )
        .await;
    let doc_id = doc["document"]["id"].as_u64().unwrap();
    let item = day
        .post(
            &format!("/api/meetings/{mid}/agenda"),
            json!({"title": "审议通过《章程（草案）》"}),
        )
        .await["id"]
        .as_u64()
        .unwrap();
    let motion = day
        .post(
            &format!("/api/meetings/{mid}/motions"),
            json!({"title": "通过章程", "document": {"document": doc_id, "version": 1},
                   "majority": majority(2, 3, "at_least", "present")}),
        )
        .await["id"]
        .as_u64()
        .unwrap();
    let a = day
        .post(
            &format!("/api/meetings/{mid}/motions/{motion}/amendments"),
            json!({"paragraph": 1, "text": "第二条 会员代表大会每四年召开一次。"}),
        )
        .await;
    assert_eq!(
        a["diff"],
        json!([{"op": "same", "text": "第二条 会员代表大会每"}, {"op": "removed", "text": "五"},
               {"op": "added", "text": "四"}, {"op": "same", "text": "年召开一次。"}])
    );
    let n = a["number"].as_u64().unwrap();
    day.post(
        &format!("/api/meetings/{mid}/motions/{motion}/amendments/{n}"),
        json!({"accept": true}),
    )
    .await;
    // Not on the agenda yet: no vote.
    day.refused(
        &day.admin,
        &format!("/api/meetings/{mid}/motions/{motion}/poll"),
        json!({"secrecy": "named"}),
        "motion_state",
    )
    .await;
    day.post(
        &format!("/api/meetings/{mid}/motions/{motion}/agenda"),
        json!({"item": item}),
    )
    .await;
    let poll = day
        .post(
            &format!("/api/meetings/{mid}/motions/{motion}/poll"),
            json!({"secrecy": "named"}),
        )
        .await["progress"]["poll"]
        .as_u64()
        .unwrap();
    day.refused(
        &day.admin,
        &format!("/api/meetings/{mid}/motions/{motion}/amendments"),
        json!({"paragraph": 2, "text": "第三条 删除。"}),
        "motion_in_poll",
    )
    .await;
    // Refused votes: an absent unit, a proxy cast by the wrong carrier, the secretariat.
    let path = format!("/api/polls/{poll}/votes");
    let e = day
        .refused(
            &day.tokens[90],
            &path,
            json!({"ballot": yes_no("yes")}),
            "not_entitled",
        )
        .await;
    assert_eq!(e["field"], "voter");
    day.refused(
        &day.tokens[4],
        &path,
        json!({"voter": day.unit(87), "ballot": yes_no("yes")}),
        "not_proxy",
    )
    .await;
    day.refused(
        &day.admin,
        &path,
        json!({"voter": day.unit(5), "ballot": yes_no("yes")}),
        "not_delegate",
    )
    .await;
    // 78 yes, 8 no, 4 abstain.
    day.vote_all(poll, &voters, &carriers, |i| {
        yes_no(match i {
            0..78 => "yes",
            78..86 => "no",
            _ => "abstain",
        })
    })
    .await;
    day.refused(
        &day.tokens[0],
        &path,
        json!({"ballot": yes_no("no")}),
        "already_voted",
    )
    .await;
    let open = day.poll(poll).await;
    assert_eq!(open["progress"]["voted"], 90);
    assert!(open["decision"].is_null() && open["ballots"].is_null());
    assert_eq!(
        (&open["quorum"]["present"], &open["quorum"]["required"]),
        (&json!(90), &json!(62))
    );
    let closed = day.close(poll).await;
    let d = &closed["decision"];
    assert_eq!(d["adopted"], true, "{d}");
    assert_eq!((&d["threshold"], &d["base"]), (&json!(60), &json!(90)));
    assert_eq!(d["rule"], "at least two thirds of the members present");
    assert_eq!(
        (
            &d["counts"]["yes"],
            &d["counts"]["no"],
            &d["counts"]["abstain"]
        ),
        (&json!(78), &json!(8), &json!(4))
    );
    day.refused(
        &day.tokens[1],
        &path,
        json!({"ballot": yes_no("yes")}),
        "poll_closed",
    )
    .await;
    // The named ballots are public once the poll closes.
    let shown = day.poll(poll).await;
    assert_eq!(shown["ballots"].as_array().unwrap().len(), 90);
    // The amended text becomes version 2, current, linked to the motion and its vote.
    let adopted = day
        .post(
            &format!("/api/meetings/{mid}/motions/{motion}/adopt"),
            json!({}),
        )
        .await;
    let d = &adopted["document"];
    assert_eq!(d["current"], 2);
    assert_eq!(d["versions"][1]["status"], "adopted");
    assert_eq!(d["versions"][1]["adoption"]["poll"], poll);
    assert_eq!(d["versions"][0]["status"], "draft");
    let cmp = day
        .get(&format!("/api/documents/{doc_id}/compare?from=1&to=2"))
        .await;
    let ops: Vec<&str> = cmp["paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["op"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["same", "changed", "same"]);

    // --- Item 2: the council, 30 candidates for 25 seats, approval with more than half.
    let item = day
        .post(
            &format!("/api/meetings/{mid}/agenda"),
            json!({"title": "选举第一届理事会"}),
        )
        .await["id"]
        .as_u64()
        .unwrap();
    let approval = json!({"kind": "approval", "threshold": {"num": 1, "den": 2}});
    let election = |body: u64, term: u64, fills: Value, seats: u32, item: u64| {
        json!({"body": body, "term": term, "fills": fills, "seats": seats,
               "method": approval, "agenda_item": item})
    };
    let council_e = day
        .post(
            &format!("/api/meetings/{mid}/elections"),
            election(council, council_term, json!({"kind": "seats"}), 25, item),
        )
        .await["id"]
        .as_u64()
        .unwrap();
    let nominate = |e: u64, n: usize| {
        (
            format!("/api/meetings/{mid}/elections/{e}/candidates"),
            json!({"holder": day.unit(n), "name": format!("会员单位{n:02}")}),
        )
    };
    for n in 1..=30 {
        let (p, b) = nominate(council_e, n);
        day.post(&p, b).await;
    }
    let outsider = day
        .app
        .store
        .create_organisation(
            Actor::System,
            &OrgInput {
                name: "非会员单位".into(),
                kind: "company".into(),
                ..OrgInput::default()
            },
        )
        .await
        .unwrap()
        .id;
    let e = day
        .refused(
            &day.admin,
            &format!("/api/meetings/{mid}/elections/{council_e}/candidates"),
            json!({"holder": unit_json(outsider), "name": "非会员"}),
            "ineligible",
        )
        .await;
    assert_eq!(e["field"], "candidate");
    let poll = day
        .post(
            &format!("/api/meetings/{mid}/elections/{council_e}/poll"),
            json!({"secrecy": "secret"}),
        )
        .await["progress"]["poll"]
        .as_u64()
        .unwrap();
    // 80 voters mark candidates 1 to 23 and two of 24 to 30; 9 spread their marks; one marks
    // 26 candidates, more than the 25 seats, and is void.
    day.vote_all(poll, &voters, &carriers, |i| match i {
        89 => marks(0..26),
        _ if i < 80 => marks((0..23).chain([23 + (i % 7) as u32, 23 + ((i + 1) % 7) as u32])),
        _ => marks([23 + (i % 7) as u32]),
    })
    .await;
    let open = day.poll(poll).await;
    assert_eq!(open["candidates"].as_array().unwrap().len(), 30);
    assert!(
        open["ballots"].is_null(),
        "no secret pile is shown while voting"
    );
    let r1 = day.close(poll).await["round"].clone();
    assert_eq!(r1["outcome"]["set_aside"][0]["count"], 1, "the void ballot");
    assert_eq!(
        r1["outcome"]["rounds"][0]["quota"],
        "45 (more than half of the valid ballots)"
    );
    assert_eq!(day.elected(&r1), (1..=23).collect::<Vec<_>>());
    let piles = day.poll(poll).await["ballots"].clone();
    assert!(
        !piles.to_string().contains("\"id\""),
        "secret piles name no voter"
    );
    // A further round for the 2 seats left, among the 7 not elected.
    let poll = day
        .post(
            &format!("/api/meetings/{mid}/elections/{council_e}/poll"),
            json!({"secrecy": "secret"}),
        )
        .await["progress"]["poll"]
        .as_u64()
        .unwrap();
    assert_eq!(day.poll(poll).await["form"]["candidates"], 7);
    day.vote_all(poll, &voters, &carriers, |i| match i {
        0..50 => marks([0, 1]),
        50..60 => marks([0]),
        _ => marks([2, 3]),
    })
    .await;
    let r2 = day.close(poll).await["round"].clone();
    assert_eq!(r2["number"], 2);
    assert_eq!(day.elected(&r2), vec![24, 25]);
    let b = day
        .post(
            &format!("/api/meetings/{mid}/elections/{council_e}/install"),
            json!({}),
        )
        .await;
    let seated = |b: &Value, term: u64| -> Vec<usize> {
        let t = b["bodies"]["terms"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == term)
            .unwrap()
            .clone();
        let mut v: Vec<usize> = t["seats"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let id = s["holder"]["id"].as_i64().unwrap();
                day.units.iter().position(|&u| u == id).unwrap() + 1
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(seated(&b, council_term), (1..=25).collect::<Vec<_>>());

    // --- Item 3: the board of supervisors; council members may not stand.
    let item = day
        .post(
            &format!("/api/meetings/{mid}/agenda"),
            json!({"title": "选举第一届监事会"}),
        )
        .await["id"]
        .as_u64()
        .unwrap();
    let sup_e = day
        .post(
            &format!("/api/meetings/{mid}/elections"),
            election(
                supervisors,
                supervisors_term,
                json!({"kind": "seats"}),
                3,
                item,
            ),
        )
        .await["id"]
        .as_u64()
        .unwrap();
    let u5 = day.units[4];
    let elig = day
        .get(&format!(
            "/api/meetings/{mid}/elections/{sup_e}/eligibility?kind=unit&id={u5}"
        ))
        .await;
    assert_eq!(elig["eligible"], false);
    assert_eq!(elig["reason"]["code"], "ineligible");
    let (p, b) = nominate(sup_e, 5);
    day.refused(&day.admin, &p, b, "ineligible").await;
    for n in 31..=35 {
        let (p, b) = nominate(sup_e, n);
        day.post(&p, b).await;
    }
    let poll = day
        .post(
            &format!("/api/meetings/{mid}/elections/{sup_e}/poll"),
            json!({"secrecy": "secret"}),
        )
        .await["progress"]["poll"]
        .as_u64()
        .unwrap();
    day.vote_all(poll, &voters, &carriers, |i| {
        if i < 70 {
            marks([0, 1, 2])
        } else {
            marks([3, 4])
        }
    })
    .await;
    let r = day.close(poll).await["round"].clone();
    assert_eq!(day.elected(&r), vec![31, 32, 33]);
    let b = day
        .post(
            &format!("/api/meetings/{mid}/elections/{sup_e}/install"),
            json!({}),
        )
        .await;
    assert_eq!(seated(&b, supervisors_term), vec![31, 32, 33]);
    day.post(&format!("/api/meetings/{mid}/close"), json!({}))
        .await;
    day.refused(
        &day.tokens[1],
        &format!("/api/polls/{poll}/votes"),
        json!({"ballot": marks([0])}),
        "meeting_state",
    )
    .await;

    // --- The first meeting of the first council.
    let c = day
        .post(
            &format!("/api/organisations/{fed}/meetings"),
            json!({"body": council, "term": council_term, "title": "第一届理事会第一次会议",
                   "notice_at": "2026-06-28T11:45:00Z", "starts_at": "2026-06-28T13:00:00Z"}),
        )
        .await;
    let cid = c["meeting"]["id"].as_u64().unwrap();
    assert_eq!(c["quorum"]["members"], 25);
    day.delegates_sign_in(cid, 1, 24).await;
    // Unit 30 sits in the congress, not the council.
    day.refused(
        &day.tokens[29],
        &format!("/api/meetings/{cid}/sign-in"),
        json!({}),
        "not_on_roll",
    )
    .await;
    day.refused(
        &day.admin,
        &format!("/api/meetings/{cid}/proxies"),
        json!({"principal": day.unit(25), "carrier": day.unit(1)}),
        "proxies_not_allowed",
    )
    .await;
    let q = day
        .post(&format!("/api/meetings/{cid}/open"), json!({}))
        .await;
    assert_eq!(
        (
            &q["quorum"]["present"],
            &q["quorum"]["required"],
            &q["quorum"]["members"]
        ),
        (&json!(24), &json!(17), &json!(25))
    );
    let council_voters: Vec<usize> = (1..=24).collect();
    // The executive council: 11 council members for 9 seats.
    let item = day
        .post(
            &format!("/api/meetings/{cid}/agenda"),
            json!({"title": "选举常务理事"}),
        )
        .await["id"]
        .as_u64()
        .unwrap();
    let exec_e = day
        .post(
            &format!("/api/meetings/{cid}/elections"),
            election(executive, executive_term, json!({"kind": "seats"}), 9, item),
        )
        .await["id"]
        .as_u64()
        .unwrap();
    let nominate_c = |e: u64, n: usize| {
        (
            format!("/api/meetings/{cid}/elections/{e}/candidates"),
            json!({"holder": day.unit(n), "name": format!("会员单位{n:02}")}),
        )
    };
    let (p, b) = nominate_c(exec_e, 40);
    let e = day.refused(&day.admin, &p, b, "ineligible").await;
    assert!(e["message"].as_str().unwrap().contains("not eligible"));
    for n in 1..=11 {
        let (p, b) = nominate_c(exec_e, n);
        day.post(&p, b).await;
    }
    let poll = day
        .post(
            &format!("/api/meetings/{cid}/elections/{exec_e}/poll"),
            json!({"secrecy": "secret"}),
        )
        .await["progress"]["poll"]
        .as_u64()
        .unwrap();
    assert_eq!(day.poll(poll).await["quorum"]["present"], 24);
    day.vote_all(poll, &council_voters, &[], |i| {
        if i < 20 { marks(0..9) } else { marks(2..11) }
    })
    .await;
    let r = day.close(poll).await["round"].clone();
    let mut elected = day.elected(&r);
    elected.sort();
    assert_eq!(elected, (1..=9).collect::<Vec<_>>());
    let b = day
        .post(
            &format!("/api/meetings/{cid}/elections/{exec_e}/install"),
            json!({}),
        )
        .await;
    assert_eq!(seated(&b, executive_term), (1..=9).collect::<Vec<_>>());

    // The president, vice-presidents and secretary-general, from the executive council.
    let offices = [
        ("president", 1, vec![1]),
        ("vice_president", 3, vec![2, 3, 4, 5]),
        ("secretary_general", 1, vec![6]),
    ];
    let mut last = Value::Null;
    for (office, seats, candidates) in offices {
        let item = day
            .post(
                &format!("/api/meetings/{cid}/agenda"),
                json!({"title": format!("选举{office}")}),
            )
            .await["id"]
            .as_u64()
            .unwrap();
        let e = day
            .post(
                &format!("/api/meetings/{cid}/elections"),
                election(
                    executive,
                    executive_term,
                    json!({"kind": "office", "office": office}),
                    seats,
                    item,
                ),
            )
            .await["id"]
            .as_u64()
            .unwrap();
        // A council member outside the executive council cannot hold these offices.
        let (p, b) = nominate_c(e, 20);
        day.refused(&day.admin, &p, b, "ineligible").await;
        for n in &candidates {
            let (p, b) = nominate_c(e, *n);
            day.post(&p, b).await;
        }
        let poll = day
            .post(
                &format!("/api/meetings/{cid}/elections/{e}/poll"),
                json!({"secrecy": "secret"}),
            )
            .await["progress"]["poll"]
            .as_u64()
            .unwrap();
        day.vote_all(poll, &council_voters, &[], |i| match i {
            0..2 => marks([]),
            _ => marks(0..seats),
        })
        .await;
        let r = day.close(poll).await["round"].clone();
        assert_eq!(day.elected(&r), candidates[..seats as usize].to_vec());
        last = day
            .post(
                &format!("/api/meetings/{cid}/elections/{e}/install"),
                json!({}),
            )
            .await;
    }
    day.post(&format!("/api/meetings/{cid}/close"), json!({}))
        .await;
    let term = last["bodies"]["terms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == executive_term)
        .unwrap()
        .clone();
    let holders_of = |office: &str| -> Vec<usize> {
        term["offices"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["kind"] == office)
            .map(|o| {
                let id = o["holder"]["id"].as_i64().unwrap();
                day.units.iter().position(|&u| u == id).unwrap() + 1
            })
            .collect()
    };
    assert_eq!(holders_of("president"), vec![1]);
    assert_eq!(holders_of("vice_president"), vec![2, 3, 4]);
    assert_eq!(holders_of("secretary_general"), vec![6]);
    // The congress's minutes are approved by the council's meeting (its next business).
    day.post(
        &format!("/api/meetings/{mid}/approve-minutes"),
        json!({"by": cid}),
    )
    .await;
    let list = day.get(&format!("/api/organisations/{fed}/meetings")).await;
    let states: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["closed", "minutes_approved"]);
    // Everything is in the audit chain, intact; the OpenAPI document lists the routes.
    assert!(
        day.app
            .store
            .verify_audit_chain()
            .await
            .unwrap()
            .is_intact()
    );
    let doc = day.get("/api/openapi.json").await;
    for p in [
        "/api/polls/{poll}/votes",
        "/api/meetings/{id}/sign-in",
        "/api/organisations/{org}/bodies",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} in the OpenAPI document");
    }
}
