//! The JSON API: create, list, filter, page, show, update, end; bad input; roles; OpenAPI.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_databases;
use crate::support::TestApp;

both_databases!(
    health_answers,
    organisations_and_members_through_the_api,
    bad_input_is_refused_with_code_and_field,
    roles_are_checked,
    openapi_lists_the_paths,
);

async fn health_answers(app: &TestApp) {
    let r = app.client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h.contains_key("content-security-policy"));
}

async fn organisations_and_members_through_the_api(app: &TestApp) {
    let token = app.token("admin").await;
    let c = app.client();
    let auth = format!("Bearer {token}");

    // Create five organisations in two districts.
    for i in 0..5 {
        let district = if i % 2 == 0 { "江北区" } else { "渝北区" };
        let r = app.api(&c, Method::POST, "/api/organisations", &auth, Some(&json!({"name": format!("测试企业 {i}"), "kind": "company", "district": district, "sector": "电子商务"}))).await;
        assert_eq!(r.status(), 201);
    }
    // List: filter, search, page.
    let list = |q: &'static str| {
        let c = c.clone();
        let url = app.url(&format!("/api/organisations{q}"));
        async move {
            let r = c.get(url).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()
        }
    };
    let all = list("").await;
    assert_eq!(all["total"], 7);
    let jb = list("?district=%E6%B1%9F%E5%8C%97%E5%8C%BA").await;
    assert_eq!(jb["total"], 3);
    let q = list("?q=%E4%BC%81%E4%B8%9A&limit=2&offset=2").await;
    assert_eq!(q["total"], 5);
    assert_eq!(q["items"].as_array().unwrap().len(), 2);
    assert_eq!(q["items"][0]["name"], "测试企业 2");
    let companies = list("?kind=company&sort=name_desc").await;
    assert_eq!(companies["items"][0]["name"], "测试企业 4");

    // Show and update.
    let id = companies["items"][0]["id"].as_i64().unwrap();
    let shown: Value = app
        .get(&c, &format!("/api/organisations/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["district"], "江北区");
    let r = app
        .api(
            &c,
            Method::PUT,
            &format!("/api/organisations/{id}"),
            &auth,
            Some(&json!({"name": "测试企业 4（更名）", "kind": "company", "district": "渝中区"})),
        )
        .await;
    assert_eq!(r.status(), 200);
    let updated: Value = r.json().await.unwrap();
    assert_eq!(updated["name"], "测试企业 4（更名）");
    assert_eq!(updated["district"], "渝中区");

    // Members: an existing organisation and a new one.
    let home = app.home;
    let r = app
        .api(
            &c,
            Method::POST,
            &format!("/api/organisations/{home}/members"),
            &auth,
            Some(&json!({"member_id": id, "category": "理事单位", "joined": "2020-01-15"})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let m: Value = r.json().await.unwrap();
    let mid = m["id"].as_i64().unwrap();
    assert_eq!(m["status"], "admitted");
    let r = app.api(&c, Method::POST, &format!("/api/organisations/{home}/members"), &auth, Some(&json!({"new_member": {"name": "重庆某大学", "kind": "university"}, "category": "会员单位", "joined": "2021-03-01", "status": "applied"}))).await;
    assert_eq!(r.status(), 201);
    let members: Value = app
        .get(
            &c,
            &format!("/api/organisations/{home}/members?status=applied"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(members["total"], 1);
    assert_eq!(members["items"][0]["member"]["name"], "重庆某大学");

    // Change, then end a membership.
    let r = app
        .api(
            &c,
            Method::PATCH,
            &format!("/api/organisations/{home}/members/{mid}"),
            &auth,
            Some(&json!({"category": "常务理事单位"})),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["category"], "常务理事单位");
    let r = app
        .api(
            &c,
            Method::POST,
            &format!("/api/organisations/{home}/members/{mid}/end"),
            &auth,
            Some(&json!({"left_on": "2024-06-30", "reason": "合并"})),
        )
        .await;
    assert_eq!(r.status(), 200);
    let ended: Value = r.json().await.unwrap();
    assert_eq!(ended["status"], "withdrawn");
    assert_eq!(ended["left_on"], "2024-06-30");
    let current: Value = app
        .get(
            &c,
            &format!("/api/organisations/{home}/members?current_only=true"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(current["total"], 1);
    let shown: Value = app
        .get(&c, &format!("/api/organisations/{home}/members/{mid}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["end_reason"], "合并");
}

async fn bad_input_is_refused_with_code_and_field(app: &TestApp) {
    let token = app.token("admin").await;
    let sec_token = app.token("sec").await;
    let c = app.client();
    let long = "x".repeat(201);
    let home = app.home;
    let other = app.other;
    // (method, path, token, body, status, code, field)
    let cases: Vec<(&str, String, &str, String, u16, &str, Option<&str>)> = vec![
        ("POST", "/api/organisations".into(), &token, "{\"name\": \"x\", ".into(), 422, "malformed_json", Some("*")),
        ("POST", "/api/organisations".into(), &token, json!({"name": "A", "kind": "company", "colour": "red"}).to_string(), 422, "unknown_field", Some("colour")),
        ("POST", "/api/organisations".into(), &token, json!({"name": "A"}).to_string(), 422, "missing_field", Some("kind")),
        ("POST", "/api/organisations".into(), &token, json!({"name": 5, "kind": "company"}).to_string(), 422, "malformed_json", Some("name")),
        ("POST", "/api/organisations".into(), &token, json!({"name": "Other Association", "kind": "company"}).to_string(), 409, "conflict", Some("name")),
        ("POST", "/api/organisations".into(), &token, json!({"name": long, "kind": "company"}).to_string(), 422, "invalid_field", Some("name")),
        ("POST", "/api/organisations".into(), &token, json!({"name": "B", "kind": "spaceship"}).to_string(), 422, "invalid_field", Some("kind")),
        ("PUT", "/api/organisations/999999".into(), &token, json!({"name": "C", "kind": "company"}).to_string(), 404, "not_found", None),
        ("POST", format!("/api/organisations/{home}/members"), &token, json!({"new_member": {"name": "D", "kind": "company", "colour": 1}, "category": "c", "joined": "2020-01-01"}).to_string(), 422, "unknown_field", Some("new_member.colour")),
        ("POST", format!("/api/organisations/{home}/members"), &token, json!({"new_member": {"name": "", "kind": "company"}, "category": "c", "joined": "2020-13-01"}).to_string(), 422, "invalid_field", Some("new_member.name")),
        ("POST", format!("/api/organisations/{home}/members"), &token, json!({"member_id": 999999, "category": "c", "joined": "2020-01-01"}).to_string(), 422, "invalid_field", Some("member_id")),
        ("POST", format!("/api/organisations/{other}/members"), &sec_token, json!({"member_id": home, "category": "c", "joined": "2020-01-01"}).to_string(), 403, "forbidden", None),
        ("POST", "/api/organisations".into(), &sec_token, json!({"name": "E", "kind": "company"}).to_string(), 403, "forbidden", None),
        ("POST", "/api/organisations".into(), "", json!({"name": "F", "kind": "company"}).to_string(), 401, "unauthenticated", None),
        ("POST", "/api/organisations".into(), "not-a-token", json!({"name": "G", "kind": "company"}).to_string(), 401, "unauthenticated", None),
    ];
    let before = app.snapshot().await;
    for (method, path, tok, body, status, code, field) in cases {
        let mut req = c
            .request(method.parse().unwrap(), app.url(&path))
            .header("content-type", "application/json")
            .body(body.clone());
        if !tok.is_empty() {
            req = req.header("authorization", format!("Bearer {tok}"));
        }
        let r = req.send().await.unwrap();
        let got_status = r.status().as_u16();
        let v: Value = r.json().await.unwrap();
        let what = format!("{method} {path} {body}: {v}");
        assert_eq!(got_status, status, "{what}");
        assert_eq!(v["error"]["code"], code, "{what}");
        if field != Some("*") {
            assert_eq!(v["error"]["field"].as_str(), field, "{what}");
        }
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{what}"
        );
    }
    assert_eq!(
        app.snapshot().await,
        before,
        "a refused request changes nothing"
    );
    // Unknown query parameters and missing routes too.
    let r = app.get(&c, "/api/organisations?colour=red").await;
    assert_eq!(r.status(), 422);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["field"], "colour");
    let r = app.get(&c, "/api/organisations/424242").await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
    // A body over the limit is refused before it is read.
    let big = json!({"name": "x".repeat(federa_web::BODY_LIMIT + 1), "kind": "company"});
    let r = app
        .api(
            &c,
            Method::POST,
            "/api/organisations",
            &format!("Bearer {token}"),
            Some(&big),
        )
        .await;
    assert_eq!(r.status(), 413);
    assert_eq!(app.snapshot().await, before);
    let r = app.get(&c, "/api/organisations?limit=0").await;
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["field"], "limit");
}

async fn roles_are_checked(app: &TestApp) {
    let home = app.home;
    let body = json!({"new_member": {"name": "成员甲", "kind": "company"}, "category": "会员单位", "joined": "2022-02-02"});
    // The representative may read but not add.
    let rep = app.token("rep").await;
    let r = app
        .client()
        .post(app.url(&format!("/api/organisations/{home}/members")))
        .header("authorization", format!("Bearer {rep}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // The secretariat of the organisation may.
    let sec = app.token("sec").await;
    let r = app
        .client()
        .post(app.url(&format!("/api/organisations/{home}/members")))
        .header("authorization", format!("Bearer {sec}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // A cookie session calling the API must send the CSRF header.
    let (c, csrf) = app.signed_in("sec").await;
    let edit = json!({"name": "重庆市网络媒体协会", "kind": "association", "district": "渝北区"});
    let r = c
        .put(app.url(&format!("/api/organisations/{home}")))
        .json(&edit)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "csrf");
    let r = c
        .put(app.url(&format!("/api/organisations/{home}")))
        .header("x-csrf-token", csrf)
        .json(&edit)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

async fn openapi_lists_the_paths(app: &TestApp) {
    let r = app
        .client()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert!(v["openapi"].as_str().unwrap().starts_with("3."));
    let paths = v["paths"].as_object().unwrap();
    for p in [
        "/api/organisations",
        "/api/organisations/{id}",
        "/api/organisations/{id}/members",
        "/api/organisations/{id}/members/{mid}",
        "/api/organisations/{id}/members/{mid}/end",
        "/api/tokens",
    ] {
        assert!(paths.contains_key(p), "missing {p}");
    }
    assert!(paths["/api/organisations"]["post"].is_object());
    assert!(v["components"]["schemas"]["OrgInput"].is_object());
}
