"""The repositories: one module per aggregate, each implementing its port in conference/ports.py
over the unit of work's session (base.py: what they share). The outbox has two sides:
outbox_queue.py, what an update enqueues, and outbox_sending.py, what the sender claims and
records."""
