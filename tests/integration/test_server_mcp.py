"""The server's MCP tools driven by the official SDK's own client: over stdio (`eventgen mcp`, a subprocess)
and over streamable HTTP (`/mcp` of a real `eventgen server`, behind its token)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import ROOT
from tests.server_process import TOKEN, ServerProcess

pytestmark = pytest.mark.integration
TOOLS = {
    "list_generators",
    "read_stats",
    "validate",
    "validate_path",
    "preview",
    "start",
    "stop",
    "set_rate",
    "set_shape",
}
STARTUP = """\
generators:
- id: quiet
  path: eventgen.conf
  rate: 100
  seed: 3
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    folder = tmp_path / "workspace"
    folder.mkdir()
    (folder / "eventgen.conf").write_text("[quiet.log]\noutputMode = devnull\n", encoding="utf-8")
    (folder / "quiet.log").write_text("one\ntwo\n", encoding="utf-8")
    (folder / "eventgen-server.yml").write_text(STARTUP, encoding="utf-8")
    return folder


async def call(client: Client, tool: str, **arguments: Any) -> Any:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    content = result.structured_content
    return content.get("result", content) if isinstance(content, dict) and set(content) == {"result"} else content


async def until_made(client: Client, events: int) -> dict:
    """The generator's stats once it has made `events` (a deadline of 30 s, polled through the tool itself)."""
    for _ in range(300):
        stats = await call(client, "read_stats", generator="quiet")
        if stats["generated"] >= events:
            return stats
        await asyncio.sleep(0.1)
    raise AssertionError(f"the generator did not make {events} events in 30s: {stats}")


async def drive(client: Client) -> None:
    """Every tool once: validate, preview, start, read stats, set the rate, stop."""
    assert {tool.name for tool in (await client.list_tools()).tools} == TOOLS
    (listed,) = await call(client, "list_generators")
    assert (listed["id"], listed["state"], listed["target_rate"]) == ("quiet", "stopped", 100.0)
    checked = await call(client, "validate_path", path="eventgen.conf")
    assert checked["ok"] is True and [s["sample"] for s in checked["samples"]] == ["quiet.log"]
    assert (await call(client, "validate", generator="quiet"))["ok"] is True
    shown = await call(client, "preview", generator="quiet", number=3)
    assert shown["samples"] == [{"sample": "quiet.log", "events": ["one", "two", "one"]}]
    assert (await call(client, "start", generator="quiet"))["state"] in ("starting", "running")
    stats = await until_made(client, 50)
    assert stats["outputs"][0]["output"] == "devnull"
    rated = await call(client, "set_rate", generator="quiet", events_per_second=250)
    assert rated["target_rate"] == 250 and rated["applied"] == "live"
    assert (await until_made(client, 50))["target_rate"] == 250
    stopped = await call(client, "stop", generator="quiet")
    assert stopped["state"] == "finished"
    assert stopped["generated"] == stopped["sent"] > 0 and stopped["failed"] == 0
    refused = await client.call_tool("read_stats", {"generator": "nope"})
    assert refused.is_error and "no generator 'nope'" in str(refused.content)


def stdio_server(workspace: Path) -> StdioServerParameters:
    """`eventgen mcp` over standard input and output, serving `workspace`."""
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "eventgen", "mcp", "--workspace", str(workspace)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_mcp_over_stdio(workspace: Path):
    params = stdio_server(workspace)

    async def main() -> None:
        async with Client(params) as client:
            await drive(client)

    asyncio.run(asyncio.wait_for(main(), 120))
    assert "rate: 250" in (workspace / "eventgen-server.yml").read_text(encoding="utf-8")


def test_an_autostarted_stdout_generator_does_not_corrupt_stdio(workspace: Path):
    (workspace / "loud.conf").write_text("[quiet.log]\noutputMode = stdout\n", encoding="utf-8")
    startup = STARTUP + "- id: loud\n  path: loud.conf\n  rate: 200\n  autostart: true\n"
    (workspace / "eventgen-server.yml").write_text(startup, encoding="utf-8")
    params = stdio_server(workspace)

    async def main() -> None:
        async with Client(params) as client:
            for _ in range(300):  # the events go to standard error; the protocol keeps working meanwhile
                loud = await call(client, "read_stats", generator="loud")
                if loud["sent"] >= 400:
                    break
                await asyncio.sleep(0.1)
            assert loud["state"] == "running" and loud["sent"] >= 400, loud
            states = {g["id"]: g["state"] for g in await call(client, "list_generators")}
            assert states == {"quiet": "stopped", "loud": "running"}

    asyncio.run(asyncio.wait_for(main(), 120))


def test_mcp_over_streamable_http(workspace: Path):
    server = ServerProcess(workspace).start()

    async def main() -> None:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with (
            httpx2.AsyncClient(headers=headers, trust_env=False) as http,
            Client(streamable_http_client(f"{server.url}/mcp/", http_client=http)) as client,
        ):
            await drive(client)

    try:
        asyncio.run(asyncio.wait_for(main(), 120))
    finally:
        assert server.stop() == 0, server.logs()
