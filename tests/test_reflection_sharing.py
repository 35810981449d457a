"""Sharing one saved reflection: owner-only share and revoke, who may read it, erasure, the pages."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from coach.accounts import audit, erasure, reflection_sharing, sharing
from coach.actors import Actor, Role
from coach.config import Settings
from coach.errors import InputError, PermissionDenied
from coach.storage import Database, open_database
from coach.storage import repositories as repo
from coach.storage.models import Account, ReflectionShare
from tests.people import add_person
from tests.test_app_pages import app_data_dir, app_env, open_page, person, texts  # noqa: F401  (fixtures by name)

SECRET = "He is too old to learn the new dashboard."


def denials(db: Database, admin: Actor) -> list[str]:
    """Targets of every refusal in the audit trail, newest first."""
    return [e.target for e in audit.list_events(db, admin, action="denied")]


def saved_reflection(db: Database, owner: Actor, text: str = SECRET) -> int:
    """A reflection the owner saved, with one answered question."""
    return repo.save_reflection(db, owner, text, {"What did you assume?": "That age predicts skill."}, [])


def test_owner_shares_grantee_reads_and_others_are_refused_and_recorded(database: Database) -> None:
    admin = add_person(database, "Ada", Role.ADMINISTRATOR)
    owner, grantee = add_person(database, "Robert", Role.MENTEE), add_person(database, "Aisha")
    third = add_person(database, "Olu")
    reflection = saved_reflection(database, owner)
    with pytest.raises(PermissionDenied):
        reflection_sharing.get_reflection(database, grantee, reflection)  # private until shared
    share = reflection_sharing.share_reflection(database, owner, reflection, "AISHA@example.org")
    assert (share.reflection_id, share.grantee_email, share.grantee_role) == (
        reflection,
        "aisha@example.org",
        Role.MENTOR.value,
    )
    read = reflection_sharing.get_reflection(database, grantee, reflection)
    assert (read.owner_name, read.text) == ("Robert", SECRET)
    assert read.answers == {"What did you assume?": "That age predicts skill."}
    assert [r.text for r in reflection_sharing.reflections_shared_with_me(database, grantee)] == [SECRET]
    assert reflection_sharing.get_reflection(database, owner, reflection).text == SECRET
    assert [s.id for s in reflection_sharing.my_reflection_shares(database, owner)] == [share.id]
    assert reflection_sharing.my_reflection_shares(database, grantee) == []
    with pytest.raises(PermissionDenied):
        reflection_sharing.get_reflection(database, third, reflection)
    assert reflection_sharing.reflections_shared_with_me(database, third) == []
    assert denials(database, admin)[0] == f"reflection {reflection}"
    with pytest.raises(PermissionDenied):  # a share is not ownership: the grantee cannot pass it on
        reflection_sharing.share_reflection(database, grantee, reflection, "olu@example.org")
    again = reflection_sharing.share_reflection(database, owner, reflection, "aisha@example.org")
    assert again.id == share.id and len(reflection_sharing.my_reflection_shares(database, owner)) == 1


def test_guessed_ids_are_refused_and_recorded(database: Database) -> None:
    admin = add_person(database, "Ada", Role.ADMINISTRATOR)
    owner, grantee = add_person(database, "Robert", Role.MENTEE), add_person(database, "Aisha")
    reflection = saved_reflection(database, owner)
    missing = reflection + 1000
    with pytest.raises(PermissionDenied):
        reflection_sharing.get_reflection(database, grantee, missing)
    assert denials(database, admin)[0] == f"reflection {missing}"
    with pytest.raises(PermissionDenied):
        reflection_sharing.share_reflection(database, owner, missing, "aisha@example.org")
    with pytest.raises(PermissionDenied):
        reflection_sharing.revoke_reflection_share(database, owner, 4242)
    assert denials(database, admin)[0] == "reflection share 4242"


def test_revoke_ends_access_and_only_the_owner_revokes(database: Database) -> None:
    owner, grantee = add_person(database, "Robert", Role.MENTEE), add_person(database, "Aisha")
    other_mentee = add_person(database, "Sam", Role.MENTEE)
    reflection = saved_reflection(database, owner)
    share = reflection_sharing.share_reflection(database, owner, reflection, "aisha@example.org")
    kept = reflection_sharing.share_reflection(database, owner, reflection, "sam@example.org")
    for not_owner in (grantee, other_mentee):
        with pytest.raises(PermissionDenied):
            reflection_sharing.revoke_reflection_share(database, not_owner, share.id)
    assert reflection_sharing.get_reflection(database, grantee, reflection).text == SECRET
    with pytest.raises(PermissionDenied):  # a reflection share id is not a scorecard share id
        sharing.revoke_share(database, owner, share.id)
    reflection_sharing.revoke_reflection_share(database, owner, share.id)
    assert reflection_sharing.reflections_shared_with_me(database, grantee) == []
    with pytest.raises(PermissionDenied):
        reflection_sharing.get_reflection(database, grantee, reflection)
    assert reflection_sharing.get_reflection(database, other_mentee, reflection).text == SECRET  # the other stays
    assert [s.id for s in reflection_sharing.my_reflection_shares(database, owner)] == [kept.id]


def test_only_an_active_mentor_or_mentee_other_than_the_owner_may_be_a_grantee(database: Database) -> None:
    owner = add_person(database, "Robert", Role.MENTEE)
    add_person(database, "Cora", Role.COORDINATOR)
    add_person(database, "Ada", Role.ADMINISTRATOR)
    gone = add_person(database, "Gus")
    with database.write() as session:
        session.get_one(Account, gone.account_id).disabled = True
    reflection = saved_reflection(database, owner)
    for staff in ("cora@example.org", "ada@example.org"):
        with pytest.raises(InputError, match="Coordinators and administrators never read reflections"):
            reflection_sharing.share_reflection(database, owner, reflection, staff)
    for refused in ("gus@example.org", "robert@example.org", "nobody@example.org"):
        with pytest.raises(InputError, match="junior mentor or senior mentee"):
            reflection_sharing.share_reflection(database, owner, reflection, refused)
    assert reflection_sharing.my_reflection_shares(database, owner) == []


def share_count(db: Database) -> int:
    """Reflection share rows left in the database."""
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(ReflectionShare)) or 0)


def test_erasure_removes_shares_made_and_received(database: Database) -> None:
    admin = add_person(database, "Ada", Role.ADMINISTRATOR)
    owner, grantee = add_person(database, "Robert", Role.MENTEE), add_person(database, "Aisha")
    robert_s = saved_reflection(database, owner)
    aisha_s = saved_reflection(database, grantee, "AISHAS-OWN")
    reflection_sharing.share_reflection(database, owner, robert_s, "aisha@example.org")
    reflection_sharing.share_reflection(database, grantee, aisha_s, "robert@example.org")
    assert share_count(database) == 2
    report = erasure.delete_account(database, admin, owner.account_id)
    assert report.deleted["reflection shares"] == 2 and share_count(database) == 0
    assert reflection_sharing.reflections_shared_with_me(database, grantee) == []
    assert [r.text for r in repo.list_reflections(database, grantee)] == ["AISHAS-OWN"]


@pytest.mark.usefixtures("app_env")
def test_reflection_page_shares_and_only_the_grantee_reads_it_on_home() -> None:
    db = open_database(Settings())
    owner = person("Robert", Role.MENTEE)
    person("Aisha")
    person("Olu")
    reflection = saved_reflection(db, owner)
    at = open_page("app_pages/reflection.py", "Robert", Role.MENTEE)
    at.text_input(key="share_reflection_email").input("aisha@example.org")
    next(b for b in at.get("form_submit_button") if b.label == "Share").click().run()
    assert not at.exception, at.exception
    assert any("Shared with Aisha" in s.value for s in at.success)
    assert f"Reflection #{reflection} shared with Aisha" in texts(at)
    grantee_home = open_page("app_pages/home.py", "Aisha")
    assert "Reflections shared with you" in [h.value for h in grantee_home.subheader]
    assert SECRET in texts(grantee_home) and "That age predicts skill." in texts(grantee_home)
    third_home = open_page("app_pages/home.py", "Olu")
    assert "Reflections shared with you" not in [h.value for h in third_home.subheader]
    assert SECRET not in texts(third_home)
    next(b for b in at.button if b.label == "Revoke").click().run()
    assert not at.exception, at.exception
    assert SECRET not in texts(open_page("app_pages/home.py", "Aisha"))
    db.dispose()
