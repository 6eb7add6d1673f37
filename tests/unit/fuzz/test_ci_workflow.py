"""The nightly campaign workflow (.github/workflows/fuzz.yml) can only be run by GitHub; these tests hold
it to what the campaign runner accepts, so a renamed option or machine fails here rather than at 3 am."""

import re

import yaml

from bulwark import PROJECT_ROOT
from bulwark.commands.fuzz import cli as fuzz
from bulwark.fuzz import campaign

WORKFLOW = PROJECT_ROOT / ".github" / "workflows" / "fuzz.yml"


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def steps(job: str) -> list[dict]:
    return workflow()["jobs"][job]["steps"]


def campaign_script() -> str:
    return next(s["run"] for s in steps("campaign") if s.get("name") == "Campaign")


def test_it_runs_nightly_and_by_hand():
    triggers = workflow()[True]  # PyYAML reads the key `on` as True
    assert "schedule" in triggers and "workflow_dispatch" in triggers


def test_each_shard_has_its_own_seed_and_names_only_machines_the_runner_knows():
    shards = workflow()["jobs"]["campaign"]["strategy"]["matrix"]["include"]
    assert len(shards) >= 2 and len({s["shard"] for s in shards}) == len(shards)
    assert re.search(r"seed=\$\(\( \$\{\{ github\.run_number \}\} \* 1000 \+ \$\{\{ matrix\.shard \}\} \)\)",
                     campaign_script())  # fmt: skip
    for shard in shards:
        for name in shard["machines"].split():
            assert name in campaign.MACHINES, name
            machine = campaign.load_machine(name)
            # --params goes only to shards whose every machine deploys from a parameter file
            assert not shard["params"] or campaign.supports_params(machine), (shard, name)
    assert {n for s in shards for n in s["machines"].split()} == set(campaign.MACHINES)


def test_every_option_the_campaign_step_passes_exists():
    known = {opt for p in fuzz.params for opt in p.opts}
    used = set(re.findall(r"(--[a-z-]+)", campaign_script()))
    assert used and used <= known, used - known


def test_the_database_it_shares_is_the_one_the_campaign_uses_and_artifacts_upload_on_failure():
    database = str(campaign.DEFAULT_DATABASE.relative_to(PROJECT_ROOT))
    cache_steps = [s for s in steps("campaign") if s.get("uses", "").startswith("actions/cache")]
    assert {s["with"]["path"] for s in cache_steps} == {database}
    assert all(s["with"]["key"].endswith("${{ matrix.shard }}") for s in cache_steps)
    saved = [s for s in cache_steps if "save" in s["uses"]]
    upload = [s for s in steps("campaign") if s.get("uses", "").startswith("actions/upload-artifact")]
    assert saved and upload and all(s.get("if") == "always()" for s in saved + upload)


def test_the_merge_job_restores_every_shard_and_saves_the_union():
    shards = [s["shard"] for s in workflow()["jobs"]["campaign"]["strategy"]["matrix"]["include"]]
    merge = workflow()["jobs"]["merge-database"]
    assert merge["needs"] == "campaign" and merge["if"] == "always()"
    restored = [s["with"]["key"] for s in merge["steps"] if "cache/restore" in s.get("uses", "")]
    assert restored == [f"fuzz-db-${{{{ github.run_id }}}}-{n}" for n in shards]
    saved = [s["with"]["key"] for s in merge["steps"] if "cache/save" in s.get("uses", "")]
    assert saved == ["fuzz-db-${{ github.run_id }}-merged"]
