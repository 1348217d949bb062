"""The meeting routes as people use them: upload, duplicates, bad files, visibility, delete, export."""

from __future__ import annotations

import uuid

import httpx
import psycopg
import pytest

from aipair.composition import Runtime
from aipair.db.urls import libpq
from tests.fixtures.tenants import Tenant
from tests.meetings.helpers import processed_meeting, run_jobs, sample, upload


def unique_vtt() -> bytes:
    return sample("teams.vtt") + f"\nNOTE {uuid.uuid4()}\n".encode()


def meeting_count(runtime: Runtime, tenant: Tenant) -> int:
    with psycopg.connect(libpq(runtime.urls.owner)) as conn:
        row = conn.execute("SELECT count(*) FROM meetings WHERE company_id = %s", [tenant.id]).fetchone()
    assert row is not None
    return int(row[0])


async def test_upload_answers_202_with_the_job_and_the_same_file_again_returns_that_meeting(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    data = unique_vtt()
    first = await upload(client, tenant, "EMPLOYEE", "sync.vtt", data, "text/vtt", title="Weekly sync")
    assert first.status_code == 202, first.text
    body = first.json()
    assert body["status"] == "queued" and body["duplicate"] is False
    assert body["job"]["state"] == "queued" and body["job"]["attempts"] == 0
    again = await upload(client, tenant, "MANAGER", "renamed.vtt", data, "text/vtt")
    assert again.status_code == 200
    assert again.json()["id"] == body["id"] and again.json()["duplicate"] is True
    assert again.json()["job"]["id"] == body["job"]["id"]


async def test_an_employee_uploading_a_colleagues_file_gets_409_without_the_meetings_id(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    data = unique_vtt()
    first = await upload(client, tenant, "ADMIN", "board.vtt", data, "text/vtt", title="Board prep")
    meeting_id = first.json()["id"]
    refused = await upload(client, tenant, "EMPLOYEE", "board.vtt", data, "text/vtt")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "duplicate_meeting"
    assert meeting_id not in refused.text
    assert meeting_count(runtime, tenant) == 1
    mine = await client.get("/api/meetings", headers=tenant.auth("EMPLOYEE"))
    assert mine.json()["items"] == []
    again = await upload(client, tenant, "ADMIN", "board.vtt", data, "text/vtt")
    assert again.status_code == 200 and again.json()["id"] == meeting_id


@pytest.mark.parametrize(
    ("filename", "content_type", "data", "status", "code"),
    [
        ("notes.pdf", "application/pdf", b"%PDF-1.7 ...", 415, "unsupported_media_type"),
        ("photo", "image/png", b"\x89PNG\r\n", 415, "unsupported_media_type"),
        ("empty.vtt", "text/vtt", b"", 422, "empty_file"),
        (
            "latin1.txt",
            "text/plain",
            "Ana: ¿Qué tal? Bien, gracias.".encode("latin-1"),
            422,
            "transcript_encoding",
        ),
        ("voice.mp3", "audio/mpeg", b"ID3\x03\x00" + bytes(200), 422, "no_transcription_provider"),
        ("broken.wav", "audio/wav", b"RIFF\x00\x00\x00\x00WAVEjunk", 422, "audio_corrupt"),
        ("fake.m4a", "audio/mp4", b"not an mp4 file at all", 422, "audio_corrupt"),
    ],
)
async def test_bad_files_are_refused_with_a_clear_code_and_nothing_is_stored(
    client: httpx.AsyncClient,
    runtime: Runtime,
    tenant: Tenant,
    filename: str,
    content_type: str,
    data: bytes,
    status: int,
    code: str,
) -> None:
    response = await upload(client, tenant, "EMPLOYEE", filename, data, content_type)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert meeting_count(runtime, tenant) == 0


async def test_a_corrupt_transcript_answers_422_with_the_line_at_fault(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    response = await upload(client, tenant, "EMPLOYEE", "bad.vtt", sample("malformed_timing.vtt"), "text/vtt")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "transcript_malformed" and error["details"]["line"] > 1
    assert f"Line {error['details']['line']}" in error["message"]
    assert meeting_count(runtime, tenant) == 0


async def test_a_file_over_the_upload_limit_answers_413(client: httpx.AsyncClient, tenant: Tenant) -> None:
    huge = b"Ana: hello.\n" * (26 * 1024 * 1024 // 12)
    response = await upload(client, tenant, "EMPLOYEE", "huge.txt", huge, "text/plain")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


async def test_storage_counts_uploads_and_an_upload_past_the_plan_limit_is_refused(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    transcript = "".join(
        f"Ana: line {i} of a long meeting about the budget.\n" for i in range(24_000)
    ).encode()
    assert (await upload(client, tenant, "EMPLOYEE", "long.txt", transcript, "text/plain")).status_code == 202
    with psycopg.connect(libpq(runtime.urls.owner)) as conn:
        usage = conn.execute(
            "SELECT current_usage->>'storage_mb' FROM company_limits WHERE company_id = %s", [tenant.id]
        ).fetchone()
        assert usage is not None and float(usage[0]) == pytest.approx(len(transcript) / 1_048_576, abs=0.001)
        conn.execute(
            "INSERT INTO limit_overrides (id, company_id, limit_name, value, reason, expires_at)"
            " VALUES (gen_random_uuid(), %s, 'storage_mb', 1, 'test', now() + interval '1 hour')",
            [tenant.id],
        )
    refused = await upload(client, tenant, "EMPLOYEE", "more.vtt", unique_vtt(), "text/vtt")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "storage_limit_exceeded"
    assert refused.json()["error"]["details"]["limit_mb"] == 1


async def test_employees_see_their_own_meetings_and_managers_see_all(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    mine = (await upload(client, tenant, "EMPLOYEE", "mine.vtt", unique_vtt(), title="Employee sync")).json()
    theirs = (await upload(client, tenant, "ADMIN", "admin.vtt", unique_vtt(), title="Board prep")).json()
    as_employee = (await client.get("/api/meetings", headers=tenant.auth("EMPLOYEE"))).json()["items"]
    assert [m["id"] for m in as_employee] == [mine["id"]]
    assert (
        await client.get(f"/api/meetings/{theirs['id']}", headers=tenant.auth("EMPLOYEE"))
    ).status_code == 404
    as_manager = (await client.get("/api/meetings", headers=tenant.auth("MANAGER"))).json()["items"]
    assert {m["id"] for m in as_manager} == {mine["id"], theirs["id"]}
    found = (await client.get("/api/meetings?q=board", headers=tenant.auth("MANAGER"))).json()["items"]
    assert [m["id"] for m in found] == [theirs["id"]]
    await run_jobs(runtime)
    done = await client.get(
        "/api/meetings?status=done&from=2026-03-01&to=2026-03-31", headers=tenant.auth("OWNER")
    )
    assert len(done.json()["items"]) == 2
    later = await client.get("/api/meetings?from=2026-04-01", headers=tenant.auth("OWNER"))
    assert later.json()["items"] == []


async def test_only_admins_and_owners_delete_and_deleting_frees_the_storage(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    detail = await processed_meeting(client, runtime, tenant, role="EMPLOYEE")
    url = f"/api/meetings/{detail['id']}"
    refused = await client.delete(url, headers=tenant.auth("EMPLOYEE"))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "role_required"
    assert (await client.delete(url, headers=tenant.auth("MANAGER"))).status_code == 403
    assert (await client.delete(url, headers=tenant.auth("ADMIN"))).status_code == 204
    assert (await client.get(url, headers=tenant.auth("OWNER"))).status_code == 404
    assert meeting_count(runtime, tenant) == 0


async def test_exports_wait_for_the_minutes_then_give_markdown_and_json(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    queued = (await upload(client, tenant, "EMPLOYEE", "sync.vtt", unique_vtt(), title="Q3 sync")).json()
    early = await client.get(f"/api/meetings/{queued['id']}/export.md", headers=tenant.auth("EMPLOYEE"))
    assert early.status_code == 409 and early.json()["error"]["code"] == "minutes_not_ready"
    await run_jobs(runtime)
    markdown = await client.get(f"/api/meetings/{queued['id']}/export.md", headers=tenant.auth("EMPLOYEE"))
    assert markdown.status_code == 200 and markdown.headers["content-type"].startswith("text/markdown")
    text = markdown.text
    assert text.startswith("# Q3 sync") and "## Decisions" in text and "## Action items" in text
    assert "| Send the roadmap to the board | Bob Chen | 2026-03-05 (tomorrow) |" in text
    document = (
        await client.get(f"/api/meetings/{queued['id']}/export.json", headers=tenant.auth("EMPLOYEE"))
    ).json()
    assert document["minutes"]["title"] == "Q3 sync"
    assert {item["task"] for item in document["action_items"]} >= {"Send the roadmap to the board"}
    assert "job" not in document


async def test_reprocessing_replaces_the_minutes_without_duplicating_anything(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    detail = await processed_meeting(client, runtime, tenant)
    again = await client.post(f"/api/meetings/{detail['id']}/reprocess", headers=tenant.auth("EMPLOYEE"))
    assert again.status_code == 202 and again.json()["job"]["id"] != detail["job"]["id"]
    await run_jobs(runtime)
    after = (await client.get(f"/api/meetings/{detail['id']}", headers=tenant.auth("EMPLOYEE"))).json()
    assert after["status"] == "done"
    assert sorted(i["task"] for i in after["action_items"]) == sorted(
        i["task"] for i in detail["action_items"]
    )
    with psycopg.connect(libpq(runtime.urls.owner)) as conn:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM meeting_minutes WHERE meeting_id = %(m)s),"
            " (SELECT count(*) FROM action_items WHERE meeting_id = %(m)s),"
            " (SELECT count(*) FROM meeting_segments WHERE meeting_id = %(m)s)",
            {"m": detail["id"]},
        ).fetchone()
    assert counts == (1, len(detail["action_items"]), detail["segment_count"])


async def test_a_spanish_meeting_gets_its_language_stored_and_each_action_item_a_confidence(
    client: httpx.AsyncClient, runtime: Runtime, tenant: Tenant
) -> None:
    accepted = await upload(client, tenant, "EMPLOYEE", "presupuesto.txt", sample("reunion_presupuesto.txt"))
    assert accepted.status_code == 202, accepted.text
    before = await client.get(f"/api/meetings/{accepted.json()['id']}", headers=tenant.auth("EMPLOYEE"))
    assert before.json()["language"] is None  # not given at upload
    await run_jobs(runtime)
    detail = (
        await client.get(f"/api/meetings/{accepted.json()['id']}", headers=tenant.auth("EMPLOYEE"))
    ).json()
    assert (detail["language"], detail["minutes"]["language"]) == ("es", "es")
    assert detail["minutes"]["title"].startswith("Reunión 2026-03-04")
    confidences = [item["confidence"] for item in detail["action_items"]]
    assert confidences and all(0 < c <= 1 for c in confidences)
    assert [i["confidence"] for i in detail["minutes"]["action_items"]] == confidences
