-- ClickHouse. Make implicit access to the underlying shard tables explicit (reconstructed).
GRANT SELECT ON r0.* TO feature_generator;
GRANT SELECT ON r0.* TO analytics_reader;
GRANT SHOW COLUMNS ON r0.* TO feature_generator;

-- Unchanged query of the bot-feature file generator, for reference (runs every 5 minutes):
-- SELECT name, type FROM system.columns WHERE table = 'http_requests_features' ORDER BY name;
