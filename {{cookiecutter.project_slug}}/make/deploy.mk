prod-config: ## Check compose.prod.yaml and .env.prod (written on first use) for compose and Swarm
	@sh scripts/deploy.sh config
