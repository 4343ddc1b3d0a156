//! The demo's data, put in through the same store calls a user's actions go through, so the
//! demo shows real code paths. Each part of the story has its module; later features add
//! theirs (founding day, congress, elections) and call them from [`seed`].

mod engagement;
mod founding;
mod registry;

use anyhow::Context;
use federa_store::{Actor, NewUser, Role, Store};

/// What the seed made, for the banner.
#[derive(Debug)]
pub struct Seeded {
    pub association_name: String,
    pub member_units: usize,
    pub admin_username: String,
    pub admin_password: String,
}

pub async fn seed(store: &Store) -> anyhow::Result<Seeded> {
    let admin_password = crate::admin::generate_password();
    let admin = store
        .create_user(
            Actor::System,
            &NewUser {
                username: "admin".into(),
                display_name: Some("系统管理员".into()),
                password_hash: crate::admin::hash_password(&admin_password)?,
                is_admin: true,
            },
        )
        .await
        .context("creating the demo administrator")?;
    let actor = Actor::User(admin.id);
    let registry = registry::seed(store, actor).await?;
    store
        .grant_role(actor, admin.id, registry.association_id, Role::Admin)
        .await?;
    let founding = founding::seed(store, actor, registry.association_id)
        .await
        .context("replaying the founding day")?;
    store
        .grant_role(actor, admin.id, founding.federation_id, Role::Admin)
        .await?;
    // The secretariat's daily work happens in the federation, which carries on the
    // association's member units with their representatives and dues.
    engagement::seed(store, actor, founding.federation_id)
        .await
        .context("seeding activities, circulars, indicators, the convention and complaints")?;
    Ok(Seeded {
        association_name: registry.association_name,
        member_units: registry.member_units,
        admin_username: admin.username,
        admin_password,
    })
}
