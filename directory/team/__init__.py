"""A company's team: memberships, invitations, and the pro space's door
(:func:`.decorators.member_view`, private files)."""
