"""Sessions and who takes part in them."""

INSERT = """
INSERT INTO sessions (community_id, request_id, mentee_id, start_at, minutes, state, created_at)
VALUES (:community_id, :request_id, :mentee_id, :start_at, :minutes, 'scheduled', :now)
RETURNING id
"""

ADD_PARTICIPANT = """
INSERT INTO session_participants (session_id, person_id, role)
VALUES (:session_id, :person_id, :role)
"""

FOR_REQUEST = "SELECT id FROM sessions WHERE request_id = :request_id"
