"""Node's, Express's, ajv's and Meteor's behaviour, reproduced byte for byte where Rocket.Chat's
answers depend on it: pure functions of the standard library, tested against Node itself."""
