//! Users, roles, sessions and API tokens on both databases.

use federa_store::{Actor, NewSession, NewUser, Page, Role, Store, StoreError};
use time::{Duration, OffsetDateTime};

use crate::conformance;
use crate::support::{SYS, audit_count, org};

conformance!(
    users_round_trip,
    roles_per_organisation,
    sessions_expire,
    api_tokens_revoke
);

fn user(name: &str) -> NewUser {
    NewUser {
        username: name.to_string(),
        display_name: Some("秘书处".to_string()),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_string(),
        is_admin: false,
    }
}

async fn users_round_trip(store: Store) {
    let admin = store
        .create_user(
            SYS,
            &NewUser {
                is_admin: true,
                ..user("admin")
            },
        )
        .await
        .unwrap();
    assert!(admin.is_admin);
    assert_eq!(store.get_user(admin.id).await.unwrap(), admin);
    assert_eq!(
        store.find_user_by_username(" admin ").await.unwrap(),
        Some(admin.clone())
    );
    assert_eq!(store.find_user_by_username("nobody").await.unwrap(), None);
    let staff = store
        .create_user(Actor::User(admin.id), &user("staff"))
        .await
        .unwrap();
    assert!(!staff.is_admin);
    let events = audit_count(&store).await;
    match store.create_user(SYS, &user("staff")).await {
        Err(StoreError::Conflict {
            entity: "user",
            field: "username",
            value,
        }) => assert_eq!(value, "staff"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    for (name, code) in [("", "required"), ("a b", "no_spaces")] {
        match store.create_user(SYS, &user(name)).await {
            Err(StoreError::Invalid(inv)) => assert_eq!(
                (inv.0[0].field.as_str(), inv.0[0].code.as_str()),
                ("username", code)
            ),
            other => panic!("expected invalid, got {other:?}"),
        }
    }
    match store.create_user(SYS, &user(&"u".repeat(65))).await {
        Err(StoreError::Invalid(inv)) => assert_eq!(inv.0[0].code, "too_long"),
        other => panic!("expected invalid, got {other:?}"),
    }
    assert_eq!(audit_count(&store).await, events);
    let users = store.list_users(Page::default()).await.unwrap();
    assert_eq!(users.total, 2);
    assert_eq!(
        users
            .items
            .iter()
            .map(|u| u.username.as_str())
            .collect::<Vec<_>>(),
        ["admin", "staff"]
    );

    store
        .set_password_hash(SYS, staff.id, "$argon2id$new")
        .await
        .unwrap();
    assert_eq!(
        store.get_user(staff.id).await.unwrap().password_hash,
        "$argon2id$new"
    );
    assert!(
        store
            .set_user_admin(SYS, staff.id, true)
            .await
            .unwrap()
            .is_admin
    );

    // The audit event records who acted, and never the password hash.
    let events = store
        .list_audit_events(Some("user"), Some(&staff.id.to_string()), Page::default())
        .await
        .unwrap();
    assert_eq!(events.total, 3);
    let created = events.items.iter().find(|e| e.action == "create").unwrap();
    assert_eq!(created.actor, format!("user:{}", admin.id));
    assert_eq!(created.actor_user_id, Some(admin.id));
    assert!(
        !created
            .after
            .as_ref()
            .unwrap()
            .to_string()
            .contains("argon2")
    );
}

async fn roles_per_organisation(store: Store) {
    let u = store.create_user(SYS, &user("rep")).await.unwrap();
    let a = store
        .create_organisation(SYS, &org("A", "association"))
        .await
        .unwrap();
    let b = store
        .create_organisation(SYS, &org("B", "association"))
        .await
        .unwrap();
    store
        .grant_role(SYS, u.id, a.id, Role::Secretariat)
        .await
        .unwrap();
    store
        .grant_role(SYS, u.id, b.id, Role::Representative)
        .await
        .unwrap();
    match store.grant_role(SYS, u.id, a.id, Role::Secretariat).await {
        Err(StoreError::Conflict {
            entity: "role_grant",
            field: "role",
            ..
        }) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(matches!(
        store.grant_role(SYS, u.id, 999, Role::Admin).await,
        Err(StoreError::NotFound {
            entity: "organisation",
            ..
        })
    ));
    assert!(matches!(
        store.grant_role(SYS, 999, a.id, Role::Admin).await,
        Err(StoreError::NotFound { entity: "user", .. })
    ));
    let roles = store.roles_of_user(u.id).await.unwrap();
    assert_eq!(
        roles
            .iter()
            .map(|g| (g.organisation_id, g.role))
            .collect::<Vec<_>>(),
        [(a.id, Role::Secretariat), (b.id, Role::Representative)]
    );
    assert_eq!(store.role_grants_in(a.id).await.unwrap().len(), 1);
    store
        .revoke_role(SYS, u.id, a.id, Role::Secretariat)
        .await
        .unwrap();
    assert!(matches!(
        store.revoke_role(SYS, u.id, a.id, Role::Secretariat).await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(store.roles_of_user(u.id).await.unwrap().len(), 1);
}

async fn sessions_expire(store: Store) {
    let u = store.create_user(SYS, &user("someone")).await.unwrap();
    let now = OffsetDateTime::now_utc();
    let new = |hash: &str, expires_at| NewSession {
        user_id: u.id,
        token_hash: hash.into(),
        csrf_secret: "csrf".into(),
        expires_at,
    };
    let s = store
        .create_session(Actor::User(u.id), &new("live", now + Duration::hours(8)))
        .await
        .unwrap();
    store
        .create_session(Actor::User(u.id), &new("stale", now - Duration::minutes(1)))
        .await
        .unwrap();
    let (found, who) = store.find_session("live", now).await.unwrap().unwrap();
    assert_eq!(found, s);
    assert_eq!(who, u);
    assert_eq!(found.csrf_secret, "csrf");
    assert_eq!(store.find_session("stale", now).await.unwrap(), None);
    assert_eq!(
        store
            .find_session("live", now + Duration::hours(9))
            .await
            .unwrap(),
        None
    );
    assert_eq!(store.purge_expired_sessions(SYS, now).await.unwrap(), 1);
    assert_eq!(store.purge_expired_sessions(SYS, now).await.unwrap(), 0);
    assert!(
        store
            .delete_session(Actor::User(u.id), "live")
            .await
            .unwrap()
    );
    assert!(
        !store
            .delete_session(Actor::User(u.id), "live")
            .await
            .unwrap()
    );
    assert_eq!(store.find_session("live", now).await.unwrap(), None);
    assert!(matches!(
        store
            .create_session(
                SYS,
                &NewSession {
                    user_id: 999,
                    ..new("x", now)
                }
            )
            .await,
        Err(StoreError::NotFound { entity: "user", .. })
    ));
}

async fn api_tokens_revoke(store: Store) {
    let u = store.create_user(SYS, &user("script")).await.unwrap();
    let t = store
        .create_api_token(Actor::User(u.id), u.id, "import job", "h1")
        .await
        .unwrap();
    assert_eq!(
        store.find_user_by_api_token("h1").await.unwrap(),
        Some(u.clone())
    );
    assert_eq!(store.find_user_by_api_token("h2").await.unwrap(), None);
    assert!(matches!(
        store.create_api_token(SYS, u.id, "again", "h1").await,
        Err(StoreError::Conflict {
            entity: "api_token",
            ..
        })
    ));
    let revoked = store.revoke_api_token(SYS, t.id).await.unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(store.find_user_by_api_token("h1").await.unwrap(), None);
    assert_eq!(store.list_api_tokens(u.id).await.unwrap(), vec![revoked]);
    assert!(matches!(
        store.revoke_api_token(SYS, 999).await,
        Err(StoreError::NotFound { .. })
    ));
}
