"""Screenshots of the demo hotel for the README: `make screenshots` writes PNGs to docs/screenshots/.

Standalone: a throwaway SQLite database (migrate + seed_demo), Django served on 127.0.0.1 in a thread,
the project's PBX emulator in a thread (as `make run` has it, minus the simulated calls), and Debian's
Chromium (/usr/bin/chromium) driven by Playwright as the demo front desk and housekeeper. Tasks run
inline (no worker needed); one room's extension is left off the emulator, so the PBX page shows how a
room whose phone could not be set up reads at the desk.
"""

import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
PORT = int(os.environ.get("SCREENSHOTS_PORT", "8971"))
EVENTS_TOKEN = "screenshots-events-token"
MISSING_EXTENSION = "2520"  # room 520's phone: not on the PBX, so its set-up fails in words
DESK = {"width": 1440, "height": 900}
TABLET = {"width": 1024, "height": 768}


def start_emulator():
    from hotelpbx.pbx.emulator import Emulator
    from hotelpbx.pbx.emulator.config import EmulatorConfig, parse_extension_ranges

    extensions = parse_extension_ranges("2101-2120,2201-2220,2301-2320,2401-2420,2501-2520")
    config = EmulatorConfig(
        username="api",
        password="DemoPbx2026",
        sn="369364835218",
        extensions=[e for e in extensions if e != MISSING_EXTENSION],
        time_zone=os.environ.get("PBX_TIME_ZONE", "Europe/Berlin"),
    )
    return Emulator(config).start(host="127.0.0.1", port=0)


def configure(tmp: Path, emulator) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'demo.sqlite3'}"
    os.environ["HOTELPBX_VAR_DIR"] = str(tmp)
    os.environ.setdefault("DJANGO_DEBUG", "true")  # static files served by the app, a demo secret key
    os.environ["AXES_ENABLED"] = "false"
    os.environ["REDIS_URL"] = ""
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"  # PBX commands go out as the pages make them
    os.environ["PBX_URL"] = emulator.url
    os.environ["PBX_API_VERSION"] = "v2.0.0"
    os.environ["PBX_USERNAME"] = emulator.config.username
    os.environ["PBX_PASSWORD"] = emulator.config.password
    os.environ["PBX_EVENTS_TOKEN"] = EVENTS_TOKEN
    os.environ["PBX_EVENTS_URL"] = f"127.0.0.1:{PORT}/pbx/events/{EVENTS_TOKEN}/"
    os.environ["PBX_TIME_ZONE"] = emulator.config.time_zone
    os.environ["DJANGO_SETTINGS_MODULE"] = "hotelpbx.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1", "localhost"]
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)


def serve() -> None:
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.wsgi import get_wsgi_application

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = make_server("127.0.0.1", PORT, StaticFilesHandler(get_wsgi_application()), handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()


def main() -> None:
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="hotelpbx-screens-"))
    emulator = start_emulator()
    try:
        configure(tmp, emulator)
        serve()
        from hotelpbx.pbx.tasks import reconcile_task

        reconcile_task(trigger="manual")  # every room's phone as the hotel wants it (room 520 fails)
        from django.urls import reverse

        from rooms.management.commands.seed_demo import DEMO_PASSWORD
        from rooms.models import Stay, StayStatus

        base = f"http://127.0.0.1:{PORT}"
        arrival = Stay.objects.filter(status=StayStatus.RESERVED).order_by("arrival", "id").first()
        OUT.mkdir(parents=True, exist_ok=True)
        written = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])

            def session(username: str, viewport: dict):
                context = browser.new_context(viewport=viewport, base_url=base)
                page = context.new_page()
                page.goto("/login/")
                page.fill("input[name=username]", username)
                page.fill("input[name=password]", DEMO_PASSWORD)
                page.press("input[name=password]", "Enter")
                page.wait_for_url(lambda url: "/login/" not in url)
                return context, page

            def snap(page, url: str, name: str) -> None:
                page.goto(url)
                page.wait_for_load_state("networkidle")
                path = OUT / f"{name}.png"
                page.screenshot(path=str(path))
                written.append(path)

            context, page = session("frontdesk", DESK)
            snap(page, reverse("rooms:board"), "board")
            if arrival is not None:
                snap(page, reverse("rooms:check_in", args=[arrival.pk]), "check-in")
            else:
                snap(page, reverse("rooms:walk_in"), "check-in")
            snap(page, reverse("rooms:timeline"), "timeline")
            snap(page, reverse("pbx:status"), "pbx")
            context.close()

            context, page = session("housekeeping", TABLET)
            snap(page, reverse("rooms:housekeeping"), "tablet")
            context.close()
            browser.close()
        for path in written:
            print(f"wrote {path.relative_to(ROOT)}")
    finally:
        emulator.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
