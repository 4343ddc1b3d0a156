//! `federa admin ...`: maintenance from the command line, acting as the system.

use std::io::Read as _;

use anyhow::{Context, bail};
use federa_store::{Actor, NewUser, StoreError};

use crate::server::{DataArgs, runtime};

#[derive(Debug, clap::Subcommand)]
pub enum AdminCommand {
    /// Create a user (the first administrator, typically).
    CreateUser(CreateUserArgs),
}

#[derive(Debug, clap::Args)]
pub struct CreateUserArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[arg(long)]
    pub username: String,
    /// The password; without it (and without --password-stdin) one is generated and printed.
    #[arg(long, conflicts_with = "password_stdin")]
    pub password: Option<String>,
    /// Read the password from standard input (first line).
    #[arg(long)]
    pub password_stdin: bool,
    #[arg(long)]
    pub display_name: Option<String>,
    /// Make the user a global administrator.
    #[arg(long)]
    pub admin: bool,
}

pub fn run(cmd: AdminCommand) -> anyhow::Result<()> {
    match cmd {
        AdminCommand::CreateUser(args) => create_user(args),
    }
}

fn create_user(args: CreateUserArgs) -> anyhow::Result<()> {
    let (password, generated) = match (&args.password, args.password_stdin) {
        (Some(p), _) => (p.clone(), false),
        (None, true) => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("reading the password from stdin")?;
            (s.lines().next().unwrap_or_default().to_string(), false)
        }
        (None, false) => (generate_password(), true),
    };
    if password.chars().count() < 8 {
        bail!("the password must have at least 8 characters");
    }
    let hash = hash_password(&password)?;
    runtime()?.block_on(async {
        let store = args.data.open().await?;
        let user = store
            .create_user(
                Actor::System,
                &NewUser {
                    username: args.username.clone(),
                    display_name: args.display_name.clone(),
                    password_hash: hash,
                    is_admin: args.admin,
                },
            )
            .await;
        store.close().await;
        let user = match user {
            Ok(u) => u,
            Err(StoreError::Conflict { value, .. }) => {
                bail!("username {value:?} is taken")
            }
            Err(e) => return Err(e).context("creating the user"),
        };
        let role = if user.is_admin {
            "administrator"
        } else {
            "user"
        };
        println!("created {role} {} (id {})", user.username, user.id);
        if generated {
            println!("password: {password}");
        }
        Ok(())
    })
}

/// A random 20-character password of letters and digits.
pub fn generate_password() -> String {
    use rand::Rng as _;
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(20)
        .map(char::from)
        .collect()
}

/// Hashes a password with argon2id and its default parameters (a PHC string).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    use argon2::PasswordHasher as _;
    use argon2::password_hash::SaltString;
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
        .map_err(|e| anyhow::anyhow!("making a salt: {e}"))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))
}
