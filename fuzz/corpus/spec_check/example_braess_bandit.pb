
braess-bandit
braess
players20
bandit-hedge
betaffffffæ?*0 œ8H