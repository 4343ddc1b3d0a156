//! The audit chain on both databases: it verifies, it catches tampering, and it stays one
//! line under concurrent writers.

use federa_store::{Backend, Page, Store};

use crate::conformance;
use crate::support::{SYS, full_org, new_member, org};

conformance!(
    chain_verifies_and_records_changes,
    tampering_is_detected,
    audit_table_is_append_only,
    concurrent_changes_keep_the_chain_linear,
);

async fn chain_verifies_and_records_changes(store: Store) {
    let empty = store.verify_audit_chain().await.unwrap();
    assert!(empty.is_intact());
    assert_eq!(empty.events, 0);
    let o = store
        .create_organisation(SYS, &org("Alpha", "company"))
        .await
        .unwrap();
    store
        .update_organisation(SYS, o.id, &org("Alpha Two", "company"))
        .await
        .unwrap();
    let events = store
        .list_audit_events(
            Some("organisation"),
            Some(&o.id.to_string()),
            Page::default(),
        )
        .await
        .unwrap();
    assert_eq!(events.total, 2);
    let update = &events.items[0];
    assert_eq!(
        (update.seq, update.action.as_str(), update.actor.as_str()),
        (2, "update", "system")
    );
    assert_eq!(update.before.as_ref().unwrap()["name"], "Alpha");
    assert_eq!(update.after.as_ref().unwrap()["name"], "Alpha Two");
    assert_eq!(update.prev_hash, events.items[1].hash);
    assert!(events.items[1].before.is_none());
    let report = store.verify_audit_chain().await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.events, 2);
}

/// Lifts the append-only guard, as someone with direct database access could.
async fn drop_guard(store: &Store) {
    match store.backend() {
        Backend::Sqlite => {
            store
                .execute_unaudited("DROP TRIGGER audit_events_no_update")
                .await
                .unwrap();
            store
                .execute_unaudited("DROP TRIGGER audit_events_no_delete")
                .await
                .unwrap();
        }
        Backend::Postgres => {
            store
                .execute_unaudited(
                    "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change",
                )
                .await
                .unwrap();
        }
    }
}

async fn tampering_is_detected(store: Store) {
    for i in 0..5 {
        store
            .create_organisation(SYS, &org(&format!("Org {i}"), "company"))
            .await
            .unwrap();
    }
    assert!(store.verify_audit_chain().await.unwrap().is_intact());
    drop_guard(&store).await;

    // Rewriting what an event says breaks that event.
    store
        .execute_unaudited("UPDATE audit_events SET after_json = REPLACE(after_json, 'Org 2', 'Org X') WHERE seq = 3")
        .await
        .unwrap();
    let report = store.verify_audit_chain().await.unwrap();
    assert!(!report.is_intact());
    assert_eq!(report.first_bad_seq, Some(3));
    store
        .execute_unaudited("UPDATE audit_events SET after_json = REPLACE(after_json, 'Org X', 'Org 2') WHERE seq = 3")
        .await
        .unwrap();
    assert!(store.verify_audit_chain().await.unwrap().is_intact());

    // Removing the last event is caught by the chain head.
    store
        .execute_unaudited("DELETE FROM audit_events WHERE seq = 5")
        .await
        .unwrap();
    let report = store.verify_audit_chain().await.unwrap();
    assert_eq!(report.first_bad_seq, Some(5), "{report:?}");

    // Removing one in the middle is a gap.
    store
        .execute_unaudited("DELETE FROM audit_events WHERE seq = 2")
        .await
        .unwrap();
    let report = store.verify_audit_chain().await.unwrap();
    assert_eq!(report.first_bad_seq, Some(2), "{report:?}");
}

async fn audit_table_is_append_only(store: Store) {
    store
        .create_organisation(SYS, &org("Alpha", "company"))
        .await
        .unwrap();
    assert!(
        store
            .execute_unaudited("UPDATE audit_events SET actor = 'someone'")
            .await
            .is_err()
    );
    assert!(
        store
            .execute_unaudited("DELETE FROM audit_events")
            .await
            .is_err()
    );
    assert!(store.verify_audit_chain().await.unwrap().is_intact());
}

async fn concurrent_changes_keep_the_chain_linear(store: Store) {
    let parent = store
        .create_organisation(SYS, &org("Federation", "federation"))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for t in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                let name = format!("Unit {t}-{i}");
                let m = store
                    .add_membership(
                        SYS,
                        parent.id,
                        &new_member(
                            full_org(&name, "company", "渝北区", "software"),
                            "会员单位",
                            "2020-01-01",
                        ),
                    )
                    .await
                    .unwrap();
                assert_eq!(m.member.name, name);
                // All writers race for the same names: one wins, the others fail cleanly.
                match store
                    .create_organisation(SYS, &org(&format!("Shared {i}"), "company"))
                    .await
                {
                    Ok(_) | Err(federa_store::StoreError::Conflict { field: "name", .. }) => {}
                    Err(e) => panic!("unexpected {e:?}"),
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let report = store.verify_audit_chain().await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    let events = store
        .list_audit_events(None, None, Page::new(0, 500))
        .await
        .unwrap();
    assert_eq!(report.events, events.total);
    // Every event links to the one before it: one line, no forks, no gaps.
    let mut seqs: Vec<i64> = events.items.iter().map(|e| e.seq).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=events.total as i64).collect::<Vec<_>>());
    let members = store
        .list_memberships(parent.id, &Default::default(), Page::new(0, 500))
        .await
        .unwrap();
    assert_eq!(members.total, 80);
    // 1 federation + 80 units + 10 shared: one create event each, one membership event each.
    let shared = federa_store::OrgFilter {
        q: Some("Shared".into()),
        ..Default::default()
    };
    assert_eq!(
        store
            .list_organisations(&shared, Page::default())
            .await
            .unwrap()
            .total,
        10
    );
    assert_eq!(events.total, 1 + 80 + 80 + 10);
}
