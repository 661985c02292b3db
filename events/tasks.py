"""Background tasks of the events app: each loads its objects by id and calls a service."""

from django_tasks import task

from events.teams.meetings import meeting_sync


# The database backend's "teams" queue, drained by its own worker
# (``db_worker --backend email --queue-name teams``): a Graph that hangs for its whole
# timeout holds back the next meeting sync, never an e-mail.
@task(backend="email", queue_name="teams")
def sync_teams_meeting(webinar_id: int) -> None:
    meeting_sync(webinar_id=webinar_id)
