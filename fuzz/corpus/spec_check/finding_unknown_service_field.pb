
matching_pennies0R˜