//! The shipped roles load and validate, the files and the compiled-in copies agree, and the seed
//! job descriptions draft to roles with the same substance.

use std::collections::BTreeSet;
use std::path::Path;

use shortlist::role::{self, Role, Spec};

const IDS: [&str; 5] = [
    "senior-account-manager",
    "sales-account-manager",
    "senior-account-manager-b2b",
    "account-manager",
    "strategic-account-manager",
];

#[test]
fn five_shipped_roles_load_and_validate_in_contract_order() {
    let roles = role::shipped();
    let ids: Vec<&str> = roles.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, IDS);
    for role in &roles {
        role.validate().unwrap();
        assert!(role.requirements.len() >= 5, "{} is thin", role.id);
        for requirement in role.all_requirements() {
            assert!(
                !requirement.label.is_empty(),
                "{}: {} has no label",
                role.id,
                requirement.id
            );
        }
        let must_haves = role.requirements.iter().filter(|r| r.must_have).count();
        assert!(must_haves <= 1, "{}: must-haves should be sparing", role.id);
    }
}

#[test]
fn config_dir_and_compiled_in_roles_agree() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/roles");
    let mut from_files = role::load_dir(&dir).unwrap();
    let mut shipped = role::shipped();
    from_files.sort_by(|a, b| a.id.cmp(&b.id));
    shipped.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(from_files, shipped);
}

#[test]
fn the_b2b_role_has_its_alternatives() {
    let role = role::shipped()
        .into_iter()
        .find(|r| r.id == "senior-account-manager-b2b")
        .unwrap();
    let group = role
        .requirements
        .iter()
        .find_map(|r| match &r.spec {
            Spec::AnyOf { alternatives } => Some(alternatives),
            _ => None,
        })
        .expect("an any_of group");
    assert_eq!(group.len(), 2);
}

/// What a role asks for, as comparable signatures: kind plus category, skill group or level.
fn substance(role: &Role) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for requirement in &role.requirements {
        let signature = |spec: &Spec| match spec {
            // A track record asks for the same record as an experience requirement; it only
            // reads it more as a recruiter does (related records, credit past the minimum).
            Spec::Experience { category, .. } => format!("experience:{}", category.as_str()),
            Spec::TrackRecord { category, .. } => format!("experience:{}", category.as_str()),
            Spec::Skill { any_of, .. } => {
                let groups: Vec<&str> = any_of
                    .iter()
                    .filter(|s| s.starts_with("group:"))
                    .map(String::as_str)
                    .collect();
                if groups.is_empty() {
                    let mut names = any_of.clone();
                    names.sort();
                    format!("skill:{}", names.join("|"))
                } else {
                    format!("skill:{}", groups.join("|"))
                }
            }
            Spec::Degree { min_level, .. } => format!("degree:{}", min_level.as_str()),
            other => other.kind().to_owned(),
        };
        match &requirement.spec {
            Spec::AnyOf { alternatives } => {
                let mut parts: Vec<String> =
                    alternatives.iter().map(|a| signature(&a.spec)).collect();
                parts.sort();
                out.insert(format!("any_of[{}]", parts.join(",")));
            }
            spec => {
                out.insert(signature(spec));
            }
        }
    }
    out
}

#[test]
fn seeds_draft_to_roles_like_the_shipped_ones() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds");
    let Ok(entries) = std::fs::read_dir(&seeds) else {
        eprintln!("skipping: no seeds at {}", seeds.display());
        return;
    };
    let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    files.sort();
    assert_eq!(files.len(), 5);
    let shipped = role::shipped();
    for (file, shipped_role) in files.iter().zip(&shipped) {
        let text = std::fs::read_to_string(file).unwrap();
        let drafted = role::draft(&text);
        drafted.validate().unwrap();
        for requirement in &drafted.requirements {
            assert!(requirement.source.as_deref().is_some_and(|s| !s.is_empty()));
        }
        let want = substance(shipped_role);
        let got = substance(&drafted);
        let missing: Vec<_> = want.difference(&got).collect();
        let extra: Vec<_> = got.difference(&want).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{}: draft misses {missing:?}, adds {extra:?}",
            file.display()
        );
        assert!(
            shipped_role.title.eq_ignore_ascii_case(&drafted.title),
            "{} vs {}",
            shipped_role.title,
            drafted.title
        );
    }
}
