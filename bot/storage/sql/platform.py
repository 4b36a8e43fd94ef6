"""What front ends remember about their platform: posted messages and opened channels."""

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
