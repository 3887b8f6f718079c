-- One database per service (docker-compose.yml runs this once, on an empty volume).
-- Each service creates its own tables at start (sea-orm migrations).
CREATE DATABASE chaos_users;
CREATE DATABASE chaos_actors;
CREATE DATABASE chaos_chat;
CREATE DATABASE chaos_guild;
CREATE DATABASE chaos_notifications;
CREATE DATABASE chaos_inventory;
CREATE DATABASE chaos_payment;
CREATE DATABASE chaos_world;
CREATE DATABASE chaos_anticheat;
CREATE DATABASE chaos_matchmaking;
CREATE DATABASE chaos_events;
