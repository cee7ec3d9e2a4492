"""Operating a running process: the /metrics and /health HTTP endpoint
(:mod:`bot.ops.server`), the gauges it samples from the database (:mod:`bot.ops.sampler`)
and the container health check (:mod:`bot.ops.probe`, kept light: it imports no server)."""
