"""A fake Retell API on loopback for the dispatcher's tests: records every request, answers like
Retell (create-phone-call, get-call), and can refuse, fail, or accept and then answer too late.
Webhooks are sent by the tests with `signed_webhook` (or forged on purpose)."""
import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_KEY = "key_fake_retell"
WEBHOOK_KEY = "key_fake_webhook"


AUTO_OUTCOMES = {**{digit: ("user_hangup", 30_000) for digit in range(6)}, 6: ("dial_no_answer", 0),
                 7: ("dial_busy", 0), 8: ("voicemail_reached", 15_000), 9: ("invalid_destination", 0)}


class FakeRetell:
    def __init__(self, host="127.0.0.1"):
        self.requests = []          # (method, path, body) in arrival order
        self.calls = {}             # call_id -> call object served by get-call
        # accept | refuse | error | slow_accept (creates the call, answers after slow_seconds) |
        # timeout (creates nothing, answers 504 after slow_seconds)
        self.behaviour = "accept"
        self.slow_seconds = 0.0
        # When set, a function of each create-phone-call body returning (behaviour, seconds) for
        # that request alone: the fault suite's seeded schedule of provider faults.
        self.choose = None
        # When set, get-call answers every call as ended, its outcome by the number's last digit
        # (the simulator's table), so polls settle a whole campaign.
        self.auto_end = False
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (its timeout is part of the test)

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                with fake.lock:
                    fake.requests.append(("POST", self.path, body, self.headers.get("Authorization")))
                    behaviour, seconds = fake.behaviour, fake.slow_seconds
                if self.path != "/v2/create-phone-call":
                    return self.reply(404, {"message": "not found"})
                if fake.choose is not None:
                    behaviour, seconds = fake.choose(body)
                if behaviour == "timeout":
                    time.sleep(seconds)
                    return self.reply(504, {"message": "upstream timeout"})
                if behaviour == "refuse":
                    return self.reply(422, {"message": "invalid to_number"})
                if behaviour == "error":
                    return self.reply(500, {"message": "internal"})
                call_id = "call_" + uuid.uuid4().hex
                call = {"call_id": call_id, "call_status": "registered", "to_number": body.get("to_number"),
                        "metadata": body.get("metadata"), "agent_id": body.get("override_agent_id")}
                with fake.lock:
                    fake.calls[call_id] = call
                if behaviour == "slow_accept":
                    time.sleep(seconds)  # the call exists; the client may have given up waiting
                self.reply(201, call)

            def do_GET(self):
                with fake.lock:
                    fake.requests.append(("GET", self.path, None, self.headers.get("Authorization")))
                call_id = self.path.rsplit("/", 1)[-1]
                with fake.lock:
                    call = fake.calls.get(call_id)
                if call is None:
                    return self.reply(404, {"message": "not found"})
                if fake.auto_end and call["call_status"] == "registered":
                    reason, duration = AUTO_OUTCOMES[int(call["to_number"][-1])]
                    call = fake.finish(call_id, reason, duration,
                                       status="ended" if duration else "not_connected")
                self.reply(200, call)

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # several dispatchers place and poll at once
            daemon_threads = True

        self.server = Server((host, 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def created(self):
        with self.lock:
            return [request[2] for request in self.requests
                    if request[0] == "POST" and request[1] == "/v2/create-phone-call"]

    def finish(self, call_id, reason="user_hangup", duration_ms=60_000, status="ended", **extra):
        """The call ends: get-call serves the final object (and the test may send its webhook)."""
        with self.lock:
            call = self.calls[call_id]
            start = int(time.time() * 1000) - duration_ms
            call.update({"call_status": status, "disconnection_reason": reason, "duration_ms": duration_ms,
                         "start_timestamp": start, "end_timestamp": start + duration_ms}, **extra)
            return dict(call)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def signature(body: bytes, key=WEBHOOK_KEY, timestamp_ms=None):
    timestamp_ms = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    digest = hmac.new(key.encode(), body + str(timestamp_ms).encode(), hashlib.sha256).hexdigest()
    return f"v={timestamp_ms},d={digest}"
