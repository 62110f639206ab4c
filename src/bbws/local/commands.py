"""`bbws local ...`: run the local stack."""

from __future__ import annotations

import errno
import json
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from bbws.local.defaults import DEFAULT_REGION, DEFAULT_STATE_DIR, DEFAULT_STOREFRONT_KEY, READY_PREFIX

if TYPE_CHECKING:
    from rich.console import Console

    from bbws.local.stack import LocalStack, StopReport

app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)  # plain help: see bbws.cli


def _banner(stack: LocalStack, console: Console) -> None:
    from rich.table import Table  # noqa: PLC0415 - `bbws --help` must not pay for rich (issue 13)

    info = stack.info()
    api = info["apiUrl"]
    table = Table(title="BBWS local stack", show_header=False, title_justify="left")
    table.add_column(style="bold cyan")
    table.add_column()
    table.add_row("Start page", api + "/  (links to everything below)")
    table.add_row("API", info["baseUrl"] + "  (try: curl " + info["baseUrl"] + "/products)")
    table.add_row("API docs", api + "/_local/docs  (Swagger UI of every service, Try it out against this stack)")
    table.add_row("AWS emulator", info["awsEndpoint"] + f"  (AWS_ENDPOINT_URL, region {info['region']})")
    table.add_row("Outbox", info["outboxUrl"])
    table.add_row("Queues", api + "/_local/queues.json")
    table.add_row("Info", api + "/_local/info")
    table.add_row("Storefront key", f"X-Api-Key: {info['storefrontApiKey']}")
    table.add_row(
        "Tokens",
        f'curl -s -X POST {api}/_local/tokens -d \'{{"role":"admin"}}\''
        f'  or  -d \'{{"role":"tenant","tenantId":"..."}}\'',
    )
    table.add_row("Demo tenant", str(info["demoTenantId"] or "(tenants service not available)"))
    table.add_row(
        "Demo data",
        f"{len(info['demoProducts'])} products, campaign {info['demoCampaign'] or '-'} ({stack.demo_origin})",
    )
    table.add_row("Pollers", ", ".join(info["pollers"]) or "(none: consumers not available)")
    console.print(table)
    console.print(f"State: {stack.state_line}", soft_wrap=True)  # one line, for people and scripts
    console.print("Press Ctrl-C to stop.")


@app.command()
def run(  # noqa: PLR0917 - typer maps each parameter to one command-line option
    port: Annotated[
        int, typer.Option(envvar="PORT", help="Port of the local API on 127.0.0.1 (0: any free port)")
    ] = 3000,
    aws_port: Annotated[int, typer.Option(help="Port of the moto emulator (0: any free port)")] = 0,
    aws_endpoint: Annotated[
        str | None, typer.Option(help="Use this AWS endpoint (for example LocalStack) instead of starting moto")
    ] = None,
    region: Annotated[str, typer.Option(help="AWS region of the emulated resources")] = DEFAULT_REGION,
    storefront_key: Annotated[
        str, typer.Option(help="The X-Api-Key the storefront routes accept")
    ] = DEFAULT_STOREFRONT_KEY,
    demo: Annotated[bool, typer.Option(help="Create the demo products, campaign and tenant")] = True,
    ready_file: Annotated[
        Path | None, typer.Option(help="Write the stack's info as JSON here once it is ready")
    ] = None,
    log_level: Annotated[str, typer.Option(help="Log level of the local stack's own messages")] = "INFO",
    drain_seconds: Annotated[
        float, typer.Option(help="On Ctrl-C, let the queues drain this long at most before stopping")
    ] = 15.0,
    fresh: Annotated[
        bool, typer.Option(help="Start empty; the saved state is kept aside as state.previous.json")
    ] = False,
    state_dir: Annotated[
        Path, typer.Option(help="Where the state is kept across restarts", show_default=".bbws/local")
    ] = DEFAULT_STATE_DIR,
    snapshot_seconds: Annotated[
        float, typer.Option(help="Also save the state this often while running (0: only on stop)")
    ] = 10.0,
    reload: Annotated[
        bool, typer.Option(help="Hot reload: an edit under src/bbws/ or templates/email/ takes effect at once")
    ] = True,
) -> None:
    """Start the local stack with demo data (Ctrl-C stops it)."""
    # Only the stack's own messages go to the console here: the functions log through
    # Powertools (JSON on stdout, as in Lambda), and library chatter stays at WARNING.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    local_log = logging.getLogger("bbws.local")
    local_log.addHandler(handler)
    local_log.setLevel(log_level.upper())
    local_log.propagate = False
    from rich.console import Console  # noqa: PLC0415 - as above

    console = Console()
    stop, hurry = threading.Event(), threading.Event()
    # Imported here: moto and the handlers are heavy, and `bbws --help` should not pay for them.
    from bbws.local.stack import LocalStack, StackOptions  # noqa: PLC0415
    from bbws.local.state import StateError  # noqa: PLC0415

    def _request_stop(signum: int, _frame: FrameType | None) -> None:
        # A second Ctrl-C: stop draining, save and exit now. Only SIGINT: `make run` relays a
        # SIGTERM sent to its process group, so one `kill -TERM -PGID` arrives twice.
        if stop.is_set() and signum == signal.SIGINT:
            hurry.set()
        stop.set()

    signal.signal(signal.SIGINT, _request_stop)
    signal.signal(signal.SIGTERM, _request_stop)

    stack = LocalStack(
        StackOptions(
            port=port, aws_port=aws_port, aws_endpoint=aws_endpoint, region=region,
            storefront_key=storefront_key, demo=demo, state_dir=state_dir, fresh=fresh,
            snapshot_seconds=snapshot_seconds, reload=reload,
        )
    )  # fmt: skip
    started = False
    try:
        try:
            stack.start()
        except (OSError, StateError) as error:
            console.print(f"[red]The local stack could not start:[/red] {_start_error(error, port)}", soft_wrap=True)
            raise typer.Exit(code=1) from error
        started = True
        _banner(stack, console)
        if ready_file is not None:
            stack.write_ready_file(ready_file)
        # One machine-readable line for scripts that read stdout instead of a file.
        sys.stdout.write(READY_PREFIX + json.dumps({"apiUrl": stack.api_url, "awsEndpoint": stack.aws_endpoint}) + "\n")
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
        console.print(
            "Stopping: new requests are refused, those in flight finish, then the queues drain "
            f"(at most {drain_seconds:.0f} s; Ctrl-C again to skip)..."
        )
    finally:
        report = stack.stop(drain_seconds=drain_seconds, hurry=hurry)
        if started:
            console.print(_stop_summary(report), soft_wrap=True)
    console.print("Stopped.")


def _start_error(error: Exception, port: int) -> str:
    if isinstance(error, OSError) and error.errno == errno.EADDRINUSE:
        return f"port {port} is in use: try `make run PORT={port + 1}` (or `bbws local run --port {port + 1}`)"
    return str(error)


def _stop_summary(report: StopReport) -> str:
    parts = [f"drained {report.drained} message(s)", f"{report.left} stay queued for the next start"]
    if report.dead_lettered:
        parts.append(f"{report.dead_lettered} in dead-letter queues")
    if report.requests_cut_off:
        parts.append(f"{report.requests_cut_off} request(s) still running were cut off")
    if report.saved_to is not None:
        parts.append(f"state saved in {report.saved_to.parent}")
    if report.save_error is not None:
        parts.append(f"THE STATE COULD NOT BE SAVED ({report.save_error}); the last snapshot stays")
    return "; ".join(parts) + "."


# --- bbws local invoke / bbws local event --------------------------------------------------

event_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None)  # plain help: see bbws.cli
app.add_typer(
    event_app, name="event", help="Print a sample event to edit and give to `bbws local invoke` (JSON on stdout)."
)


def _read_event(source: str) -> dict[str, object]:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as error:
        raise typer.BadParameter(f"cannot read {source}: {error.strerror}", param_hint="--event") from error
    try:
        event = json.loads(text)
    except ValueError as error:
        raise typer.BadParameter(f"{source} is not JSON ({error})", param_hint="--event") from error
    if not isinstance(event, dict):
        raise typer.BadParameter(f"{source} must hold a JSON object", param_hint="--event")
    return event


@app.command()
def invoke(
    function: Annotated[str, typer.Argument(help="The function, as in core/functions.py (e.g. orders-api)")],
    event: Annotated[str, typer.Option("--event", "-e", help="JSON file with the event ('-': standard input)")],
    port: Annotated[int, typer.Option(envvar="PORT", help="Port of the running local stack (make run)")] = 3000,
) -> None:
    """Invoke one function with an event, in the running local stack, against its resources."""
    from bbws.local import invoke as client  # noqa: PLC0415 - urllib only, when the command runs

    document = _read_event(event)
    try:
        outcome = client.invoke(f"http://127.0.0.1:{port}", function, document)
    except client.StackUnreachable as error:
        typer.echo(f"{error}: start it with `make run` (or give --port)", err=True)
        raise typer.Exit(code=1) from error
    answer = outcome.answer
    if outcome.status != 200:
        typer.echo(f"not invoked: {answer.get('detail') or answer}", err=True)
        raise typer.Exit(code=1)
    typer.echo(json.dumps(answer.get("result", answer.get("error")), indent=2, default=str))
    if "error" in answer:
        failure = answer["error"]
        typer.echo(f"{function} failed: {failure['errorType']}: {failure['errorMessage']}", err=True)
        raise typer.Exit(code=1)


@event_app.command("api")
def event_api(  # noqa: PLR0917 - typer maps each parameter to one command-line option
    method: Annotated[str, typer.Option(help="HTTP method")] = "GET",
    path: Annotated[str, typer.Option(help="Path below the API's base path, e.g. /products")] = "/health",
    body: Annotated[str | None, typer.Option(help="Request body (JSON text)")] = None,
    admin: Annotated[bool, typer.Option(help="As an administrator (the authorizer's claims)")] = False,
    tenant: Annotated[str | None, typer.Option(help="As a user of this tenant id")] = None,
    api_key: Annotated[
        str | None, typer.Option(help="As the storefront, with this API key", show_default=False)
    ] = None,
    query: Annotated[list[str] | None, typer.Option(help="A query parameter name=value (repeatable)")] = None,
) -> None:
    """An API Gateway REST proxy event, as a route's function receives it."""
    from bbws.local.invoke import sample_api  # noqa: PLC0415

    pairs = dict(item.partition("=")[::2] for item in query or [])
    if body is not None:
        try:
            json.loads(body)
        except ValueError as error:
            raise typer.BadParameter(f"the body is not JSON ({error})", param_hint="--body") from error
    event = sample_api(method, path, body=body, admin=admin, tenant=tenant, api_key=api_key, query=pairs or None)
    typer.echo(json.dumps(event, indent=2))


@event_app.command("sqs")
def event_sqs(
    body: Annotated[str, typer.Option(help="The message body")] = "{}",
    queue: Annotated[str, typer.Option(help="The queue's name in the event source ARN")] = "bbws-local-orders",
) -> None:
    """A batch of one SQS message, as a queue consumer receives it."""
    from bbws.local.invoke import sample_sqs  # noqa: PLC0415

    typer.echo(json.dumps(sample_sqs(body, queue), indent=2))


@event_app.command("ses")
def event_ses(
    kind: Annotated[str, typer.Option(help="bounce, soft-bounce, complaint or reject")] = "bounce",
    recipient: Annotated[str, typer.Option(help="The address the event is about")] = "customer@example.com",
    order_id: Annotated[str, typer.Option(help="The order the email was about")] = "ORDER-ID",
    template: Annotated[str, typer.Option(help="The email's template")] = "customer_confirmation",
) -> None:
    """An SES event about a sent email, as the email-events consumer receives it."""
    from bbws.local.invoke import sample_ses  # noqa: PLC0415
    from bbws.local.ses_events import EventKind  # noqa: PLC0415

    if kind not in {member.value for member in EventKind}:
        raise typer.BadParameter(f"one of {', '.join(m.value for m in EventKind)}", param_hint="--kind")
    typer.echo(json.dumps(sample_ses(kind, recipient, order_id, template), indent=2))
