"""How a reply is judged: the named checks of a reply (`reply`), of what `run_request` echoes (`echo`), of a run's
status over time (`lifecycle`), of webhook deliveries (`webhooks`); Schemathesis failures keyed alike (`classify`); the
spec against the document the target serves (`drift`, which explains findings and never fails a run)."""
