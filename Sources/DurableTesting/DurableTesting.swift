// DurableTesting: deterministic simulation of workflows (crashes, faults and time from a seed) and
// replay tests against recorded histories, for users' test targets. Depends on `Durable` only.

@_exported import Durable
