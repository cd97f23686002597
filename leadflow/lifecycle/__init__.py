"""Operations on one lead through its lifecycle: fire a trigger, log, assess, edit facts, assign,
object and answer, plan and approve, win with the contract."""
