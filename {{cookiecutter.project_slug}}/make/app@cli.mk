run: ## Run the app (pass arguments with ARGS="greet team")
	docker compose run --rm app {{ cookiecutter.project_slug }} $(ARGS)
debug: ## Run the app (ARGS="...") under debugpy: attach an editor on port 5678
	@sh scripts/debug.sh app -- -m {{ cookiecutter.package_name }} $(ARGS)
watch: ## Rebuild the app's image whenever pyproject.toml or the lock file changes (then make build for the rest)
	docker compose watch --no-up app
prod: prod-build ## Build and run the production image (ARGS="...")
	docker compose run --rm prod {{ cookiecutter.project_slug }} $(ARGS)
