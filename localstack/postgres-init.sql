-- One database per service: each service owns its data.
CREATE DATABASE todo;
CREATE DATABASE calendar;
CREATE DATABASE job_status;
