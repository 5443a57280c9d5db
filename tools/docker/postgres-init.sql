-- Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d):
-- one database per service of the distributed layout. Each service migrates its own database at
-- start-up (and would create it if missing); creating them here keeps that step free of CREATE
-- DATABASE races and lets the databases be granted separately later.
CREATE DATABASE identity_store_gateway;
CREATE DATABASE identity_store_identity;
CREATE DATABASE identity_store_totp;
CREATE DATABASE identity_store_passcode;
CREATE DATABASE identity_store_passkey;
CREATE DATABASE identity_store_audit;
