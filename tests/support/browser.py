"""A real headless Chromium (Debian's package), driven over the DevTools protocol, for the collector's pages.

Nothing is downloaded: the browser is /usr/bin/chromium, and the protocol is spoken over a WebSocket
(websocket-client). Every request the page makes, every console message and every exception is kept,
so a test can assert that a page loads with no error and asks nothing of anyone but the collector.
"""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time

import websocket

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The flags the machine's documentation names: without the background-networking ones Chromium tries
# Google's hosts at start, which this closed network refuses.
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--metrics-recording-only",
    "--remote-debugging-port=0",
)


class Browser:
    def __init__(self, width=1200, height=900):
        self.profile = tempfile.mkdtemp(prefix="chefwrap-chromium-")
        self.process = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}", f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.socket = websocket.create_connection(self._browser_url(), timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events = []
        self.document = None
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.call(f"{domain}.enable", session=True)
        self.resize(width, height)

    def _browser_url(self, timeout=30.0) -> str:
        deadline = time.monotonic() + timeout
        lines = []
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line and self.process.poll() is not None:
                break
            lines.append(line)
            if "DevTools listening on " in line:
                return line.split("DevTools listening on ", 1)[1].strip()
        raise RuntimeError("Chromium did not start:\n" + "".join(lines))

    def call(self, method, session=False, **params):
        """Send one DevTools command and wait for its answer; events that arrive meanwhile are kept."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        self.socket.send(json.dumps(message))
        while True:
            answer = json.loads(self.socket.recv())
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def pump(self, seconds=0.2):
        """Collect the events that arrive within `seconds`."""
        self.socket.settimeout(seconds)
        try:
            while True:
                self.events.append(json.loads(self.socket.recv()))
        except websocket.WebSocketTimeoutException:
            pass
        finally:
            self.socket.settimeout(30)

    def resize(self, width, height, mobile=False):
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height, deviceScaleFactor=1, mobile=mobile)

    def open(self, url, timeout=30.0):
        """Load `url` and wait until it has loaded and the network has been quiet for a moment."""
        self.events.clear()
        self.call("Page.navigate", session=True, url=url)
        self._wait_for_load(url, timeout)

    def follow(self, expression, timeout=30.0):
        """Evaluate `expression` (a click, a form's submit) and wait for the page it leads to to load."""
        self.events.clear()
        self.call("Runtime.evaluate", session=True, expression=expression)
        self._wait_for_load(expression, timeout)

    def _wait_for_load(self, what, timeout):
        self.document = None
        deadline = time.monotonic() + timeout
        while not any(event.get("method") == "Page.loadEventFired" for event in self.events):
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} did not load")
            self.pump(0.1)
        self.pump(0.3)

    def node(self, selector) -> int:
        """The DOM node id of the first element matching `selector` (through DevTools: works with the page's scripts off)."""
        if self.document is None:  # asked once a page: asking again forgets the node ids given before
            self.document = self.call("DOM.getDocument", session=True, depth=0)["root"]["nodeId"]
        found = self.call("DOM.querySelector", session=True, nodeId=self.document, selector=selector)["nodeId"]
        if not found:
            raise AssertionError(f"nothing matches {selector}")
        return found

    def click(self, selector, timeout=30.0):
        """A real mouse click in the middle of the element, then wait for the page it leads to."""
        node = self.node(selector)
        self.call("DOM.scrollIntoViewIfNeeded", session=True, nodeId=node)
        quad = self.call("DOM.getBoxModel", session=True, nodeId=node)["model"]["border"]
        x, y = sum(quad[0::2]) / 4, sum(quad[1::2]) / 4
        self.events.clear()
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", session=True, type=kind, x=x, y=y, button="left", clickCount=1)
        self._wait_for_load(selector, timeout)

    def scripts(self, enabled: bool):
        self.call("Emulation.setScriptExecutionDisabled", session=True, value=not enabled)

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def requested_urls(self) -> list:
        return [event["params"]["request"]["url"] for event in self.events if event.get("method") == "Network.requestWillBeSent"]

    def problems(self) -> list:
        """Console errors and warnings, uncaught exceptions, failed loads: anything but a clean page."""
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"].get("text", "exception"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
                found.append(" ".join(str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", [])))
            elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
                found.append(params["entry"].get("text", ""))
            elif method == "Network.loadingFailed" and not params.get("canceled"):
                found.append(f"failed to load: {params.get('errorText')}")
        return found

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", session=True, format="png", captureBeyondViewport=True)["data"]
        with open(path, "wb") as stream:
            stream.write(base64.b64decode(data))
        return path

    def close(self):
        try:
            self.socket.close()
        except OSError:
            pass
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def available() -> bool:
    return os.path.exists(CHROMIUM)
