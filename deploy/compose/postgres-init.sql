-- One database per component (ONESTOP_DATABASE_URL's {component}); POSTGRES_DB made the first.
CREATE DATABASE onestop_registration OWNER onestop;
CREATE DATABASE onestop_seal OWNER onestop;
CREATE DATABASE onestop_invoice OWNER onestop;
CREATE DATABASE onestop_social_insurance OWNER onestop;
CREATE DATABASE onestop_bank OWNER onestop;
CREATE DATABASE onestop_portal OWNER onestop;
