deploy: ## Run IMAGE:TAG of .env.prod on this host, replacing the old containers, until healthy
	@sh scripts/deploy.sh up
stack-deploy: ## Roll IMAGE:TAG out on the Swarm of DOCKER_HOST, one task at a time; fails if rolled back
	@sh scripts/deploy.sh stack
prod-run: ## Run the app once with the production settings (ARGS="...")
	@sh scripts/deploy.sh run {{ cookiecutter.project_slug }} $(ARGS)
