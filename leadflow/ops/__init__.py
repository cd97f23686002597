"""Operations: is the pipeline healthy (flows on time, outbox moving, server log clean), and
telling ops when it is not (a run failed or crashed, a deployment went quiet)."""
