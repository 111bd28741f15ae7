"""An educator removes a whole collection (git rm, commit, build): its followers are told (the Deletes of its resources,
then the Delete of the collection's actor, every one signed and verified by the receiving inboxes) and then forgotten,
and the collection's actor, resources and page answer that they are gone."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from tests.conftest import copy_project
from tests.federation_shim.farm_process import FarmProcess
from tests.federation_shim.test_deliver_to_fedify import git
from tests.federation_shim.test_delivery_crash import SITE_URL, finish, follow, lectern


def test_removing_a_collection_deletes_its_actor_for_its_followers_and_forgets_them(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "The collections")
    finish(lectern(project, "build"))
    finish(lectern(project, "deliver"))  # the first run records what exists
    key_file = tmp_path / "public.pem"
    key_file.write_text(finish(lectern(project, "keys", "public")))
    farm = FarmProcess(tmp_path, servers=6, verify_key_file=key_file)
    try:
        follow(project, farm.ports[:3], 1, actor="python-basics")
        follow(project, farm.ports[3:], 1, actor="fractions")

        git(project, "rm", "-q", "-r", "content/python-basics")
        git(project, "commit", "-q", "-m", "Python basics moved to another site")
        finish(lectern(project, "build"))
        output = finish(lectern(project, "deliver"))

        receipts = farm.receipts()
        assert receipts["invalid"] == 0  # every request verified against the site's key
        actor = f"{SITE_URL}/ap/actors/python-basics.json"
        by_inbox = Counter((path, activity_id) for _port, path, activity_id in receipts["received"])
        for server in range(3):
            inbox = f"/users/s{server}u0/inbox"
            assert by_inbox[(inbox, f"{actor}#delete")] == 1, output
            assert by_inbox[(inbox, f"{SITE_URL}/ap/objects/python-basics/loops-worksheet.json#delete")] == 1
        fractions_ports = set(farm.ports[3:])
        assert not any(port in fractions_ports for port, _path, _id in receipts["received"])  # other followers: nothing

        # what is left on the site: the actor, its resources and its page say they are gone
        built = project / "output"
        actor_document = json.loads((built / "ap" / "actors" / "python-basics.json").read_text())
        assert actor_document["type"] == "Tombstone" and actor_document["formerType"] == "Group"
        assert actor_document["id"] == actor
        worksheet = json.loads((built / "ap" / "objects" / "python-basics" / "loops-worksheet.json").read_text())
        assert worksheet["type"] == "Tombstone"
        page = (built / "python-basics" / "index.html").read_text()
        assert "This collection is no longer here" in page and "Python" in page

        followers = finish(lectern(project, "followers", "list"))
        listed = [line.split("\t")[:2] for line in followers.splitlines() if "\t" in line]
        assert sorted(actor for actor, _follower in listed) == ["fractions"] * 3, followers

        again = finish(lectern(project, "deliver"))
        assert "Queued 0 activities" in again
    finally:
        farm.stop()
