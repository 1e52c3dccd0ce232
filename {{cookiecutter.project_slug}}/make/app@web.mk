run: ## Serve the app in the foreground, reloading on code changes (Ctrl-C stops)
	sh scripts/ports.sh APP_PORT:{{ cookiecutter.port }} -- docker compose up app
up: ## Start the app, and the SERVICES features add, in the background; wait until healthy
	sh scripts/ports.sh APP_PORT:{{ cookiecutter.port }} -- docker compose up --detach --wait app $(SERVICES) && echo "http://$$(docker compose port app {{ cookiecutter.port }})/"
logs: ## Follow the log of the app and of the SERVICES features add
	docker compose logs --follow app $(SERVICES)
watch: ## Serve the app; rebuild its image when pyproject.toml or the lock file changes (then make build for the rest)
	sh scripts/ports.sh APP_PORT:{{ cookiecutter.port }} -- docker compose watch app
debug: ## Serve the app (with reload) under debugpy: attach an editor on port 5678
	@sh scripts/debug.sh app --publish APP_PORT:{{ cookiecutter.port }} -- -m uvicorn {{ cookiecutter.package_name }}.web:app --host=0.0.0.0 --port={{ cookiecutter.port }} --reload --reload-dir=/src
prod: prod-build ## Build and serve the production image (on the app's port)
	sh scripts/run.sh prod APP_PORT:{{ cookiecutter.port }} -- --service-ports prod
