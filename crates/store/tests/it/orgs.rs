//! Organisations and member units on both databases.

use federa_store::{
    EndMembershipInput, MemberStatus, MembershipFilter, MembershipInput, MembershipSort,
    MembershipUpdate, OrgFilter, OrgKind, OrgSort, OrgStatus, Page, Store, StoreError,
};

use crate::conformance;
use crate::support::{SYS, audit_count, full_org, new_member, org};

conformance!(
    organisation_round_trip,
    duplicate_name_is_a_conflict_and_changes_nothing,
    invalid_input_names_the_field_and_writes_nothing,
    missing_rows_are_not_found,
    organisations_page_filter_and_sort,
    member_units_round_trip,
    member_units_page_and_filter,
    ending_a_membership,
    membership_rules_need_the_database,
);

async fn organisation_round_trip(store: Store) {
    let created = store
        .create_organisation(
            SYS,
            &full_org("重庆市网络媒体协会", "association", "渝中区", "网络媒体"),
        )
        .await
        .unwrap();
    assert_eq!(created.name, "重庆市网络媒体协会");
    assert_eq!(created.kind, OrgKind::Association);
    assert_eq!(created.status, OrgStatus::Active);
    assert_eq!(created.founded.as_deref(), Some("2010-05-04"));
    assert_eq!(store.get_organisation(created.id).await.unwrap(), created);
    assert_eq!(
        store
            .find_organisation_by_name("重庆市网络媒体协会")
            .await
            .unwrap(),
        Some(created.clone())
    );

    let mut change = full_org("重庆市互联网联合会", "federation", "江北区", "互联网");
    change.predecessor_id = Some(created.id);
    let other = store.create_organisation(SYS, &change).await.unwrap();
    assert_eq!(other.predecessor_id, Some(created.id));

    change.name = "重庆市网络媒体协会（更名）".into();
    change.predecessor_id = None;
    let updated = store
        .update_organisation(SYS, created.id, &change)
        .await
        .unwrap();
    assert_eq!(updated.name, "重庆市网络媒体协会（更名）");
    assert_eq!(updated.kind, OrgKind::Federation);
    assert_eq!(updated.created_at, created.created_at);
    let dissolved = store
        .set_organisation_status(SYS, created.id, OrgStatus::Succeeded)
        .await
        .unwrap();
    assert_eq!(dissolved.status, OrgStatus::Succeeded);
    assert_eq!(store.get_organisation(created.id).await.unwrap(), dissolved);
    // create, create, update, set_status
    assert_eq!(audit_count(&store).await, 4);
}

async fn duplicate_name_is_a_conflict_and_changes_nothing(store: Store) {
    let a = store
        .create_organisation(SYS, &org("Alpha", "company"))
        .await
        .unwrap();
    let b = store
        .create_organisation(SYS, &org("Beta", "company"))
        .await
        .unwrap();
    let events = audit_count(&store).await;

    match store
        .create_organisation(SYS, &org("  Alpha ", "university"))
        .await
    {
        Err(StoreError::Conflict {
            entity,
            field,
            value,
        }) => {
            assert_eq!(
                (entity, field, value.as_str()),
                ("organisation", "name", "Alpha")
            );
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    match store
        .update_organisation(SYS, b.id, &org("Alpha", "company"))
        .await
    {
        Err(StoreError::Conflict { field: "name", .. }) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    let page = store
        .list_organisations(&OrgFilter::default(), Page::default())
        .await
        .unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(store.get_organisation(b.id).await.unwrap().name, "Beta");
    assert_eq!(
        store.get_organisation(a.id).await.unwrap().kind,
        OrgKind::Company
    );
    assert_eq!(
        audit_count(&store).await,
        events,
        "a refused change leaves no audit event"
    );
}

async fn invalid_input_names_the_field_and_writes_nothing(store: Store) {
    let fields = |e: StoreError| match e {
        StoreError::Invalid(inv) => inv
            .0
            .into_iter()
            .map(|f| (f.field, f.code))
            .collect::<Vec<_>>(),
        other => panic!("expected invalid, got {other:?}"),
    };
    let long = "长".repeat(201);
    let err = store
        .create_organisation(SYS, &org(&long, "company"))
        .await
        .unwrap_err();
    assert_eq!(
        fields(err),
        vec![("name".to_string(), "too_long".to_string())]
    );
    let err = store
        .create_organisation(SYS, &org("", "club"))
        .await
        .unwrap_err();
    assert_eq!(
        fields(err),
        vec![
            ("name".to_string(), "required".to_string()),
            ("kind".to_string(), "unknown_kind".to_string())
        ]
    );
    let mut bad_pred = org("Gamma", "company");
    bad_pred.predecessor_id = Some(999_999);
    let err = store.create_organisation(SYS, &bad_pred).await.unwrap_err();
    assert_eq!(
        fields(err),
        vec![("predecessor_id".to_string(), "not_found".to_string())]
    );
    let err = store
        .list_organisations(&OrgFilter::default(), Page::new(0, 0))
        .await
        .unwrap_err();
    assert_eq!(
        fields(err),
        vec![("limit".to_string(), "out_of_range".to_string())]
    );

    // A new member unit with a bad name: the field is named under new_member, and neither the
    // organisation nor the membership is written.
    let parent = store
        .create_organisation(SYS, &org("Parent", "association"))
        .await
        .unwrap();
    let events = audit_count(&store).await;
    let err = store
        .add_membership(
            SYS,
            parent.id,
            &new_member(org(&long, "company"), "会员", "2020-01-01"),
        )
        .await
        .unwrap_err();
    assert_eq!(
        fields(err),
        vec![("new_member.name".to_string(), "too_long".to_string())]
    );
    let page = store
        .list_organisations(&OrgFilter::default(), Page::default())
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(audit_count(&store).await, events);
}

async fn missing_rows_are_not_found(store: Store) {
    let nf = |r: Result<_, StoreError>| match r {
        Err(StoreError::NotFound { entity, id }) => (entity, id),
        Ok(v) => panic!(
            "expected not found, got {:?}",
            std::any::type_name_of_val(&v)
        ),
        Err(e) => panic!("expected not found, got {e:?}"),
    };
    assert_eq!(
        nf(store.get_organisation(42).await.map(|_| ())),
        ("organisation", "42".to_string())
    );
    assert_eq!(
        nf(store
            .update_organisation(SYS, 42, &org("X", "company"))
            .await
            .map(|_| ())),
        ("organisation", "42".to_string())
    );
    assert_eq!(
        nf(store
            .add_membership(
                SYS,
                42,
                &new_member(org("X", "company"), "会员", "2020-01-01")
            )
            .await
            .map(|_| ())),
        ("organisation", "42".to_string())
    );
    assert_eq!(
        nf(store.get_membership(7).await.map(|_| ())),
        ("membership", "7".to_string())
    );
    let end = EndMembershipInput {
        left_on: "2024-01-01".into(),
        status: None,
        reason: None,
    };
    assert_eq!(
        nf(store.end_membership(SYS, 7, &end).await.map(|_| ())),
        ("membership", "7".to_string())
    );
    assert_eq!(audit_count(&store).await, 0);
}

async fn organisations_page_filter_and_sort(store: Store) {
    let districts = ["渝中区", "江北区", "南岸区"];
    let sectors = ["software", "e-commerce"];
    for i in 0..30 {
        let kind = if i % 3 == 0 { "university" } else { "company" };
        store
            .create_organisation(
                SYS,
                &full_org(
                    &format!("Org {i:02}"),
                    kind,
                    districts[i % 3],
                    sectors[i % 2],
                ),
            )
            .await
            .unwrap();
    }
    let all = OrgFilter::default();
    let p1 = store
        .list_organisations(&all, Page::new(0, 12))
        .await
        .unwrap();
    let p3 = store
        .list_organisations(&all, Page::new(24, 12))
        .await
        .unwrap();
    assert_eq!(p1.total, 30);
    assert_eq!(p1.items.len(), 12);
    assert_eq!(p3.items.len(), 6);
    assert_eq!(p1.items[0].name, "Org 00");
    assert_eq!(p3.items[5].name, "Org 29");

    let desc = OrgFilter {
        sort: OrgSort::NameDesc,
        ..OrgFilter::default()
    };
    let d = store
        .list_organisations(&desc, Page::new(0, 2))
        .await
        .unwrap();
    assert_eq!(
        d.items.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(),
        ["Org 29", "Org 28"]
    );

    let f = OrgFilter {
        district: Some("江北区".into()),
        sector: Some("software".into()),
        ..OrgFilter::default()
    };
    let page = store.list_organisations(&f, Page::default()).await.unwrap();
    // i % 3 == 1 and i % 2 == 0: 4, 10, 16, 22, 28
    assert_eq!(
        page.items
            .iter()
            .map(|o| o.name.as_str())
            .collect::<Vec<_>>(),
        ["Org 04", "Org 10", "Org 16", "Org 22", "Org 28"]
    );
    let unis = OrgFilter {
        kind: Some(OrgKind::University),
        ..OrgFilter::default()
    };
    assert_eq!(
        store
            .list_organisations(&unis, Page::default())
            .await
            .unwrap()
            .total,
        10
    );

    // Search: part of the name, case-insensitive for ASCII, and LIKE wildcards are literal.
    let q = |s: &str| OrgFilter {
        q: Some(s.into()),
        ..OrgFilter::default()
    };
    assert_eq!(
        store
            .list_organisations(&q("org 1"), Page::default())
            .await
            .unwrap()
            .total,
        10
    );
    assert_eq!(
        store
            .list_organisations(&q("%"), Page::default())
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        store
            .list_organisations(&q("_"), Page::default())
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        store
            .list_organisations(&q("(short)"), Page::default())
            .await
            .unwrap()
            .total,
        30
    );

    let org5 = store
        .find_organisation_by_name("Org 05")
        .await
        .unwrap()
        .unwrap();
    store
        .set_organisation_status(SYS, org5.id, OrgStatus::Dissolved)
        .await
        .unwrap();
    let active = OrgFilter {
        status: Some(OrgStatus::Active),
        ..OrgFilter::default()
    };
    assert_eq!(
        store
            .list_organisations(&active, Page::default())
            .await
            .unwrap()
            .total,
        29
    );
}

async fn member_units_round_trip(store: Store) {
    let parent = store
        .create_organisation(SYS, &org("重庆市网络媒体协会", "association"))
        .await
        .unwrap();
    let existing = store
        .create_organisation(SYS, &org("重庆大学", "university"))
        .await
        .unwrap();
    let m1 = store
        .add_membership(
            SYS,
            parent.id,
            &MembershipInput {
                member_id: Some(existing.id),
                new_member: None,
                category: "理事单位".into(),
                joined: "2015-03-01".into(),
                status: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(m1.organisation_id, parent.id);
    assert_eq!(m1.member, existing);
    assert_eq!(m1.status, MemberStatus::Admitted);
    assert_eq!(m1.joined, "2015-03-01");
    assert_eq!(m1.left_on, None);

    let mut input = new_member(
        full_org("华龙网", "company", "渝中区", "网络媒体"),
        "会员单位",
        "2016-07-15",
    );
    input.status = Some("applied".into());
    let m2 = store.add_membership(SYS, parent.id, &input).await.unwrap();
    assert_eq!(m2.member.name, "华龙网");
    assert_eq!(m2.status, MemberStatus::Applied);
    assert_eq!(store.get_membership(m2.id).await.unwrap(), m2);

    let admitted = store
        .update_membership(
            SYS,
            m2.id,
            &MembershipUpdate {
                category: Some("常务理事单位".into()),
                status: Some("admitted".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(admitted.status, MemberStatus::Admitted);
    assert_eq!(admitted.category, "常务理事单位");
    assert_eq!(store.get_membership(m2.id).await.unwrap(), admitted);
    assert_eq!(
        store.memberships_of_member(existing.id).await.unwrap(),
        vec![m1]
    );

    // The same unit cannot hold two current memberships of one organisation.
    let again = MembershipInput {
        member_id: Some(existing.id),
        new_member: None,
        category: "会员单位".into(),
        joined: "2020-01-01".into(),
        status: None,
    };
    match store.add_membership(SYS, parent.id, &again).await {
        Err(StoreError::Conflict {
            entity: "membership",
            field: "member_id",
            ..
        }) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    // A new member unit whose name is taken is a conflict on new_member.name.
    match store
        .add_membership(
            SYS,
            parent.id,
            &new_member(org("重庆大学", "university"), "会员", "2020-01-01"),
        )
        .await
    {
        Err(StoreError::Conflict {
            field: "new_member.name",
            ..
        }) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
}

async fn member_units_page_and_filter(store: Store) {
    let parent = store
        .create_organisation(SYS, &org("Federation", "federation"))
        .await
        .unwrap();
    let other = store
        .create_organisation(SYS, &org("Elsewhere", "association"))
        .await
        .unwrap();
    for i in 0..25 {
        let district = if i % 5 == 0 { "万州区" } else { "渝北区" };
        let category = if i < 5 {
            "理事单位"
        } else {
            "会员单位"
        };
        let joined = format!("20{:02}-01-01", 10 + i);
        store
            .add_membership(
                SYS,
                parent.id,
                &new_member(
                    full_org(&format!("Unit {i:02}"), "company", district, "software"),
                    category,
                    &joined,
                ),
            )
            .await
            .unwrap();
    }
    store
        .add_membership(
            SYS,
            other.id,
            &new_member(org("Not ours", "company"), "会员单位", "2020-01-01"),
        )
        .await
        .unwrap();

    let all = MembershipFilter::default();
    let p = store
        .list_memberships(parent.id, &all, Page::new(20, 10))
        .await
        .unwrap();
    assert_eq!(p.total, 25);
    assert_eq!(
        p.items
            .iter()
            .map(|m| m.member.name.as_str())
            .collect::<Vec<_>>(),
        ["Unit 20", "Unit 21", "Unit 22", "Unit 23", "Unit 24"]
    );
    let f = MembershipFilter {
        district: Some("万州区".into()),
        ..MembershipFilter::default()
    };
    assert_eq!(
        store
            .list_memberships(parent.id, &f, Page::default())
            .await
            .unwrap()
            .total,
        5
    );
    let f = MembershipFilter {
        category: Some("理事单位".into()),
        ..MembershipFilter::default()
    };
    assert_eq!(
        store
            .list_memberships(parent.id, &f, Page::default())
            .await
            .unwrap()
            .total,
        5
    );
    let f = MembershipFilter {
        q: Some("unit 1".into()),
        ..MembershipFilter::default()
    };
    assert_eq!(
        store
            .list_memberships(parent.id, &f, Page::default())
            .await
            .unwrap()
            .total,
        10
    );
    let f = MembershipFilter {
        sort: MembershipSort::JoinedDesc,
        ..MembershipFilter::default()
    };
    let newest = store
        .list_memberships(parent.id, &f, Page::new(0, 1))
        .await
        .unwrap();
    assert_eq!(newest.items[0].member.name, "Unit 24");

    let first = store
        .list_memberships(parent.id, &all, Page::new(0, 1))
        .await
        .unwrap()
        .items[0]
        .clone();
    store
        .end_membership(
            SYS,
            first.id,
            &EndMembershipInput {
                left_on: "2024-06-30".into(),
                status: None,
                reason: None,
            },
        )
        .await
        .unwrap();
    let current = MembershipFilter {
        current_only: true,
        ..MembershipFilter::default()
    };
    assert_eq!(
        store
            .list_memberships(parent.id, &current, Page::default())
            .await
            .unwrap()
            .total,
        24
    );
    let withdrawn = MembershipFilter {
        status: Some(MemberStatus::Withdrawn),
        ..MembershipFilter::default()
    };
    assert_eq!(
        store
            .list_memberships(parent.id, &withdrawn, Page::default())
            .await
            .unwrap()
            .total,
        1
    );
}

async fn ending_a_membership(store: Store) {
    let parent = store
        .create_organisation(SYS, &org("Federation", "federation"))
        .await
        .unwrap();
    let m = store
        .add_membership(
            SYS,
            parent.id,
            &new_member(org("Unit", "company"), "会员单位", "2018-04-01"),
        )
        .await
        .unwrap();
    let end = |d: &str, st: Option<&str>| EndMembershipInput {
        left_on: d.into(),
        status: st.map(Into::into),
        reason: Some("违反公约".into()),
    };
    let events = audit_count(&store).await;
    match store
        .end_membership(SYS, m.id, &end("2017-01-01", None))
        .await
    {
        Err(StoreError::Invalid(inv)) => assert_eq!(inv.0[0].field, "left_on"),
        other => panic!("expected invalid, got {other:?}"),
    }
    assert_eq!(store.get_membership(m.id).await.unwrap(), m);
    assert_eq!(audit_count(&store).await, events);

    let ended = store
        .end_membership(SYS, m.id, &end("2023-12-31", Some("expelled")))
        .await
        .unwrap();
    assert_eq!(ended.status, MemberStatus::Expelled);
    assert_eq!(ended.left_on.as_deref(), Some("2023-12-31"));
    assert_eq!(ended.end_reason.as_deref(), Some("违反公约"));
    assert!(
        store
            .end_membership(SYS, m.id, &end("2024-01-01", None))
            .await
            .is_err()
    );

    // Once ended, the unit may join again as a new membership.
    let back = MembershipInput {
        member_id: Some(m.member.id),
        new_member: None,
        category: "会员单位".into(),
        joined: "2025-01-01".into(),
        status: None,
    };
    let again = store.add_membership(SYS, parent.id, &back).await.unwrap();
    assert_ne!(again.id, m.id);
    assert_eq!(
        store
            .memberships_of_member(m.member.id)
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn membership_rules_need_the_database(store: Store) {
    let parent = store
        .create_organisation(SYS, &org("Federation", "federation"))
        .await
        .unwrap();
    let own = MembershipInput {
        member_id: Some(parent.id),
        new_member: None,
        category: "会员单位".into(),
        joined: "2020-01-01".into(),
        status: None,
    };
    match store.add_membership(SYS, parent.id, &own).await {
        Err(StoreError::Invalid(inv)) => assert_eq!(
            (inv.0[0].field.as_str(), inv.0[0].code.as_str()),
            ("member_id", "self")
        ),
        other => panic!("expected invalid, got {other:?}"),
    }
    let ghost = MembershipInput {
        member_id: Some(999),
        ..own.clone()
    };
    match store.add_membership(SYS, parent.id, &ghost).await {
        Err(StoreError::Invalid(inv)) => assert_eq!(inv.0[0].code, "not_found"),
        other => panic!("expected invalid, got {other:?}"),
    }
    let m = store
        .add_membership(
            SYS,
            parent.id,
            &new_member(org("Unit", "company"), "会员单位", "2018-04-01"),
        )
        .await
        .unwrap();
    let bad = |status: &str| MembershipUpdate {
        category: None,
        status: Some(status.into()),
    };
    for (status, code) in [
        ("applied", "transition_not_allowed"),
        ("expelled", "use_end_membership"),
        ("gone", "unknown_status"),
    ] {
        match store.update_membership(SYS, m.id, &bad(status)).await {
            Err(StoreError::Invalid(inv)) => assert_eq!(inv.0[0].code, code, "{status}"),
            other => panic!("expected invalid for {status}, got {other:?}"),
        }
    }
    let suspended = store
        .update_membership(SYS, m.id, &bad("suspended"))
        .await
        .unwrap();
    assert_eq!(suspended.status, MemberStatus::Suspended);
    let long = MembershipUpdate {
        category: Some("x".repeat(201)),
        status: None,
    };
    assert!(matches!(
        store.update_membership(SYS, m.id, &long).await,
        Err(StoreError::Invalid(_))
    ));
}
