"""Which existing event a claim is about: its date window and its participants."""

from datetime import date, timedelta

from libya.desk.models import Event

# A statement about talks is often made the day after they end.
SLACK = timedelta(days=1)


class EventFinder:
    """Events near the article's claim dates, fetched once, scored per claim."""

    def __init__(self, said_dates: list[date]) -> None:
        self.events = []
        if said_dates:
            low, high = min(said_dates) - SLACK, max(said_dates) + SLACK
            self.events = list(
                Event.objects.between(low, high).prefetch_related("participants").order_by("slug")
            )

    def best(self, said_on: date | None, speaker: str | None, named: set[str]) -> str | None:
        """The event whose window holds the date and whose participants fit best, if any."""
        if said_on is None or not speaker:
            return None
        scored = []
        for event in self.events:
            if not (
                event.start_date and event.start_date - SLACK <= said_on <= event.period_end + SLACK
            ):
                continue
            participants = {actor.slug for actor in event.participants.all()}
            if speaker not in participants:
                continue
            width = (event.period_end - event.start_date).days
            scored.append((1 + len(participants & named), -width, event.slug))
        return max(scored)[2] if scored else None
