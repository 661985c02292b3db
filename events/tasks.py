"""Background tasks of the events app: each loads its objects by id and calls a service."""

from django_tasks import task

from events.teams.meetings import meeting_sync


# The database queue the e-mail worker drains (``db_worker --backend email``) carries
# every background job, so a deployment runs one kind of worker.
@task(backend="email")
def sync_teams_meeting(webinar_id: int) -> None:
    meeting_sync(webinar_id=webinar_id)
