# Read by gunicorn from the working directory (make run, the Docker image, the benches).
logger_class = "hotelpbx.gunicorn_logging.RedactingLogger"
