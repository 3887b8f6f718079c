//! Guild rules without I/O: permissions, role kinds and ranks, who may act on whom,
//! and name validation.

use std::collections::BTreeSet;

/// Something a role may allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, async_graphql::Enum)]
pub enum Permission {
    /// Invite actors.
    Invite,
    /// Remove junior members.
    Kick,
    /// Approve or reject join requests.
    ManageJoinRequests,
    /// Create roles and assign them to junior members.
    ManageRoles,
    /// Change the description and join policy.
    EditGuild,
    /// Take items out of the guild storage (any member may put items in; the
    /// inventory service asks for this permission).
    WithdrawStorage,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 6] = [
        Permission::Invite,
        Permission::Kick,
        Permission::ManageJoinRequests,
        Permission::ManageRoles,
        Permission::EditGuild,
        Permission::WithdrawStorage,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Permission::Invite => "INVITE",
            Permission::Kick => "KICK",
            Permission::ManageJoinRequests => "MANAGE_JOIN_REQUESTS",
            Permission::ManageRoles => "MANAGE_ROLES",
            Permission::EditGuild => "EDIT_GUILD",
            Permission::WithdrawStorage => "WITHDRAW_STORAGE",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// A set of permissions, stored as comma-separated codes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions(BTreeSet<Permission>);

impl Permissions {
    /// Parses the stored form; unknown codes (from a newer version) are ignored.
    pub fn decode(stored: &str) -> Self {
        Self(
            stored
                .split(',')
                .filter_map(Permission::from_code)
                .collect(),
        )
    }

    /// The stored form.
    pub fn encode(&self) -> String {
        self.0
            .iter()
            .map(|p| p.code())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Whether `permission` is in the set.
    pub fn contains(&self, permission: Permission) -> bool {
        self.0.contains(&permission)
    }

    /// Whether every permission of `self` is in `other`.
    pub fn is_subset(&self, other: &Permissions) -> bool {
        self.0.is_subset(&other.0)
    }

    /// The permissions, in a stable order.
    pub fn to_vec(&self) -> Vec<Permission> {
        self.0.iter().copied().collect()
    }
}

impl FromIterator<Permission> for Permissions {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// What a role is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum RoleKind {
    /// The one leader: every permission, and alone may transfer leadership or disband.
    Leader,
    /// Officers: invite, kick, manage join requests, withdraw from the storage.
    Officer,
    /// New members.
    Member,
    /// Created by the guild, ranked between leader and member.
    Custom,
}

impl RoleKind {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            RoleKind::Leader => "LEADER",
            RoleKind::Officer => "OFFICER",
            RoleKind::Member => "MEMBER",
            RoleKind::Custom => "CUSTOM",
        }
    }

    /// Parses [`RoleKind::code`]; unknown codes read as custom.
    pub fn decode(code: &str) -> Self {
        match code {
            "LEADER" => RoleKind::Leader,
            "OFFICER" => RoleKind::Officer,
            "MEMBER" => RoleKind::Member,
            _ => RoleKind::Custom,
        }
    }
}

/// Rank of the leader (lower is more senior).
pub const LEADER_RANK: i32 = 0;
/// Rank of officers.
pub const OFFICER_RANK: i32 = 10;
/// Rank of plain members; custom roles rank strictly between leader and member.
pub const MEMBER_RANK: i32 = 100;

/// The roles every guild starts with: name, kind, rank, permissions.
pub fn builtin_roles() -> [(&'static str, RoleKind, i32, Permissions); 3] {
    [
        (
            "Leader",
            RoleKind::Leader,
            LEADER_RANK,
            Permission::ALL.into_iter().collect(),
        ),
        (
            "Officer",
            RoleKind::Officer,
            OFFICER_RANK,
            [
                Permission::Invite,
                Permission::Kick,
                Permission::ManageJoinRequests,
                Permission::WithdrawStorage,
            ]
            .into_iter()
            .collect(),
        ),
        (
            "Member",
            RoleKind::Member,
            MEMBER_RANK,
            Permissions::default(),
        ),
    ]
}

/// A member's role as far as authorization goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// The role's kind.
    pub kind: RoleKind,
    /// The role's rank.
    pub rank: i32,
    /// The role's permissions (the leader holds all, whatever is stored).
    pub permissions: Permissions,
}

impl Standing {
    /// Whether the member may do what `permission` covers.
    pub fn can(&self, permission: Permission) -> bool {
        self.kind == RoleKind::Leader || self.permissions.contains(permission)
    }

    /// Every permission the member effectively holds.
    pub fn effective(&self) -> Permissions {
        if self.kind == RoleKind::Leader {
            Permission::ALL.into_iter().collect()
        } else {
            self.permissions.clone()
        }
    }

    /// Whether the member may act on a member (or role) of rank `other`: only on
    /// strictly junior ones.
    pub fn outranks(&self, other: i32) -> bool {
        self.rank < other
    }
}

/// Checks a guild name: 3–24 characters of letters, digits, spaces, `'` and `-`,
/// starting with a letter or digit, no double spaces. Returns the trimmed name.
pub fn validate_guild_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    let length = name.chars().count();
    if !(3..=24).contains(&length) {
        return Err("guild names are 3 to 24 characters".into());
    }
    if !name.chars().next().is_some_and(char::is_alphanumeric) {
        return Err("guild names start with a letter or digit".into());
    }
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || c == ' ' || c == '\'' || c == '-')
    {
        return Err("guild names use letters, digits, spaces, ' and -".into());
    }
    if name.contains("  ") {
        return Err("guild names have single spaces".into());
    }
    Ok(name.to_string())
}

/// Checks a role name: 1–24 characters, no control characters. Returns it trimmed.
pub fn validate_role_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 24 || name.chars().any(char::is_control) {
        return Err("role names are 1 to 24 printable characters".into());
    }
    Ok(name.to_string())
}

/// Checks free text (descriptions, join-request notes): at most 280 characters.
pub fn validate_note(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.chars().count() > 280 {
        return Err("at most 280 characters".into());
    }
    Ok(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_round_trip_and_ignore_unknown_codes() {
        let set: Permissions = [Permission::Kick, Permission::Invite].into_iter().collect();
        assert_eq!(set.encode(), "INVITE,KICK");
        assert_eq!(Permissions::decode(&set.encode()), set);
        assert_eq!(
            Permissions::decode("KICK,FLY"),
            [Permission::Kick].into_iter().collect()
        );
        assert_eq!(Permissions::decode(""), Permissions::default());
    }

    #[test]
    fn the_leader_can_do_everything_and_members_nothing() {
        let [leader, officer, member] =
            builtin_roles().map(|(_, kind, rank, permissions)| Standing {
                kind,
                rank,
                permissions,
            });
        for permission in Permission::ALL {
            assert!(leader.can(permission));
            assert!(!member.can(permission));
        }
        assert!(officer.can(Permission::Kick));
        assert!(!officer.can(Permission::ManageRoles));
        // Seniority is strict: nobody acts on their peers or seniors.
        assert!(leader.outranks(officer.rank));
        assert!(officer.outranks(member.rank));
        assert!(!officer.outranks(officer.rank));
        assert!(!member.outranks(leader.rank));
    }

    #[test]
    fn names_are_validated() {
        assert_eq!(
            validate_guild_name("  Iron Wolves ").as_deref(),
            Ok("Iron Wolves")
        );
        assert!(validate_guild_name("ab").is_err());
        assert!(validate_guild_name("-Dash").is_err());
        assert!(validate_guild_name("Two  Spaces").is_err());
        assert!(validate_guild_name("Semi;colon").is_err());
        assert!(validate_guild_name(&"x".repeat(25)).is_err());
        assert!(validate_role_name("").is_err());
        assert!(validate_role_name("Quartermaster").is_ok());
        assert!(validate_note(&"n".repeat(281)).is_err());
    }
}
