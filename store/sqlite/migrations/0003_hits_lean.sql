-- Schema version 3: a stored touch costs one index fewer. Every touch a
-- trap answers is a hits row, so each index on hits is paid for by every
-- hit of a flood. Nothing looks hits up by incident id alone: an
-- incident's hits are its decoy's hits (hits_decoy_time) with the
-- incident's id.
DROP INDEX hits_incident;
