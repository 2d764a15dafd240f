"""What kring knows, as plain data: one module per aggregate (ids, people, request, circle,
meeting, plan, reminders, outbox). Import a name from its module; nothing is re-exported here."""
