"""Operations: is the pipeline healthy (flows on time, outbox moving, server log clean)."""
