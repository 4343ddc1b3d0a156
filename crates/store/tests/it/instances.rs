//! Several federa instances on one database: server instances sharing one store (one SQLite
//! file, or one PostgreSQL schema), and separate federations in separate PostgreSQL schemas.

use federa_store::{OrgFilter, Page, Store, StoreError};

use crate::support::{SYS, TestDb, fresh_schema, org, postgres_url};

/// Two stores opened on the same data write concurrently; the audit chain stays one line.
async fn two_instances_share_one_chain(db: &TestDb) {
    let second = Store::connect(&db.url).await.unwrap();
    let mut tasks = Vec::new();
    for (n, store) in [db.store.clone(), second.clone()].into_iter().enumerate() {
        for t in 0..4 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..8 {
                    store
                        .create_organisation(SYS, &org(&format!("Org {n}-{t}-{i}"), "company"))
                        .await
                        .unwrap();
                }
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    for store in [&db.store, &second] {
        let report = store.verify_audit_chain().await.unwrap();
        assert!(report.is_intact(), "{report:?}");
        assert_eq!(report.events, 64);
    }
    second.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_share_one_chain_sqlite() {
    let db = TestDb::sqlite().await;
    two_instances_share_one_chain(&db).await;
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_share_one_chain_postgres() {
    let db = TestDb::postgres().await;
    two_instances_share_one_chain(&db).await;
    db.finish().await;
}

/// Each `?schema=` is its own federation: its own tables, migrations and audit chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_schemas_keep_instances_apart() {
    let base = postgres_url();
    let sep = if base.contains('?') { '&' } else { '?' };
    let (sa, sb) = (fresh_schema(), fresh_schema());
    let url_a = format!("{base}{sep}schema={sa}");
    let url_b = format!("{base}{sep}schema={sb}");
    // Two instances starting at once on a new schema both create and migrate it safely.
    let (a, a2) = tokio::join!(Store::connect(&url_a), Store::connect(&url_a));
    let (a, a2) = (a.unwrap(), a2.unwrap());
    let b = Store::connect(&url_b).await.unwrap();

    a.create_organisation(SYS, &org("Same name", "association"))
        .await
        .unwrap();
    b.create_organisation(SYS, &org("Same name", "association"))
        .await
        .unwrap();
    b.create_organisation(SYS, &org("Only in B", "association"))
        .await
        .unwrap();
    assert!(matches!(
        a2.create_organisation(SYS, &org("Same name", "company"))
            .await,
        Err(StoreError::Conflict { .. })
    ));
    let count = |s: &Store| {
        let s = s.clone();
        async move {
            s.list_organisations(&OrgFilter::default(), Page::default())
                .await
                .unwrap()
                .total
        }
    };
    assert_eq!(count(&a).await, 1);
    assert_eq!(count(&b).await, 2);
    assert_eq!(a.verify_audit_chain().await.unwrap().events, 1);
    assert_eq!(b.verify_audit_chain().await.unwrap().events, 2);

    for s in [&sa, &sb] {
        a.execute_unaudited(&format!("DROP SCHEMA \"{s}\" CASCADE"))
            .await
            .unwrap();
    }
    for s in [a, a2, b] {
        s.close().await;
    }
}

#[tokio::test]
async fn unknown_schemes_and_bad_schema_names_are_refused() {
    for url in [
        "mysql://root@localhost/db",
        "federa.db",
        "http://localhost/",
    ] {
        match Store::connect(url).await {
            Err(StoreError::UnsupportedUrl(_)) => {}
            other => panic!("{url}: expected UnsupportedUrl, got {other:?}"),
        }
    }
    let bad = format!("{}?schema=Robert'); DROP TABLE x;--", postgres_url());
    assert!(matches!(
        Store::connect(&bad).await,
        Err(StoreError::Invalid(_))
    ));
}
