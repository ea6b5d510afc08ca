"""Staff pages, one module per page family. Thin: parse input with a form, call one service or selector,
render. A refused rule (RoomRuleError) becomes a form error or a message with its own words, never a 500.
Who may open which view is decided by hotelpbx.core.policy, enforced by middleware.

- board: the room board and its filtered refresh
- stays: arrivals, departures, in house, a stay's page, check-out and room moves
- check_in: checking in a reservation, walk-ins and the room picker
- guests: guest search and a guest's page
- rooms: a room's page, its status and do-not-disturb
- housekeeping: the housekeeping tablet
"""
