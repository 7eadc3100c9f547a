"""Background jobs: the queue, the worker, the clock loop and the jobs page."""
