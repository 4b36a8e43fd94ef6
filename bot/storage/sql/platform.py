"""What front ends remember about their platform: posted messages, opened channels, and the
app's installations in workspaces (with their tokens) and the install flow's states."""

PUT_MESSAGE = """
INSERT INTO message_refs (platform, workspace, message_key, recipient, channel_id, message_id,
                          created_at)
VALUES (:platform, :workspace, :message_key, :recipient, :channel_id, :message_id, :now)
ON CONFLICT (platform, workspace, message_key, recipient) DO UPDATE
SET channel_id = excluded.channel_id, message_id = excluded.message_id
"""

GET_MESSAGE = """
SELECT channel_id, message_id FROM message_refs
WHERE platform = :platform AND workspace = :workspace AND message_key = :message_key
  AND recipient = :recipient
"""

PUT_CHANNEL = """
INSERT INTO platform_channels (platform, workspace, address, channel_id, created_at)
VALUES (:platform, :workspace, :address, :channel_id, :now)
ON CONFLICT (platform, workspace, address) DO UPDATE SET channel_id = excluded.channel_id
"""

GET_CHANNEL = """
SELECT channel_id FROM platform_channels
WHERE platform = :platform AND workspace = :workspace AND address = :address
"""

# An installation's data is the front end's own JSON (tokens included: protect the store and
# its backups as you would the token variables).
PUT_INSTALLATION = """
INSERT INTO platform_installations (platform, enterprise_id, workspace, data, installed_at)
VALUES (:platform, :enterprise_id, :workspace, :data, :now)
ON CONFLICT (platform, enterprise_id, workspace) DO UPDATE
SET data = excluded.data, installed_at = excluded.installed_at
"""

GET_INSTALLATION = """
SELECT data FROM platform_installations
WHERE platform = :platform AND enterprise_id = :enterprise_id AND workspace = :workspace
"""

DELETE_INSTALLATION = """
DELETE FROM platform_installations
WHERE platform = :platform AND enterprise_id = :enterprise_id AND workspace = :workspace
"""

PUT_STATE = """
INSERT INTO platform_oauth_states (state, platform, expires_at)
VALUES (:state, :platform, :expires_at)
"""

# Used once: the row goes whether or not it is still fresh; old ones go with it.
TAKE_STATE = """
DELETE FROM platform_oauth_states
WHERE platform = :platform AND (state = :state OR expires_at <= :now)
RETURNING state, expires_at
"""

# Inbound delivery ids too old to be retried by the platform (the hourly upkeep).
# Who wrote a help post, under their identity on the post's platform and workspace: a front
# end that no longer has the post in memory (a deletion after a restart) acts as them.
POST_AUTHOR = """
SELECT i.user_id FROM help_posts hp JOIN identities i ON i.person_id = hp.person_id
WHERE hp.platform = :platform AND hp.workspace = :workspace AND hp.place = :place
  AND hp.post = :post AND i.platform = :platform AND i.workspace = :workspace
ORDER BY i.last_seen_at DESC
LIMIT 1
"""

PRUNE_DELIVERIES = "DELETE FROM deliveries WHERE created_at < :before"

# The workspace (server) a platform user was last seen in.
LAST_WORKSPACE = """
SELECT workspace FROM identities WHERE platform = :platform AND user_id = :user_id
ORDER BY last_seen_at DESC LIMIT 1
"""

# An inbound delivery (Slack's event_id, a trigger id), recorded once: a row back means first.
DELIVERY = """
INSERT INTO deliveries (platform, workspace, delivery_id, created_at)
VALUES (:platform, :workspace, :delivery_id, :now)
ON CONFLICT DO NOTHING
RETURNING delivery_id
"""

# The outbox: each committed batch of messages, as JSON, until the process that committed it
# has sent it (then it goes: it holds personal text); another process sends what is left.
PUT_OUTBOX = "INSERT INTO outbox (payload, created_at) VALUES (:payload, :now) RETURNING id"

SENT = "DELETE FROM outbox WHERE id = :id"

# Old enough that the process that committed it has stopped trying.
UNSENT = """
SELECT id, payload, created_at FROM outbox
WHERE created_at <= :before AND created_at >= :since
ORDER BY created_at, id LIMIT :limit
"""

# Taking an unsent batch over: it looks new again, so no other process takes it too, and
# if this one stops as well, another takes it a minute later.
CLAIM_UNSENT = """
UPDATE outbox SET created_at = :now WHERE id = :id AND created_at = :created_at RETURNING id
"""

# Too old to be worth sending (the hourly upkeep).
PRUNE_OUTBOX = "DELETE FROM outbox WHERE created_at < :before"

# What the front ends recorded about a batch's conversations and messages, read at once.
KNOWN_CHANNELS = """
SELECT platform, workspace, address, channel_id FROM platform_channels
WHERE address IN {addresses}
"""

KNOWN_MESSAGES = """
SELECT platform, workspace, message_key, recipient, channel_id, message_id FROM message_refs
WHERE message_key IN {keys}
"""
